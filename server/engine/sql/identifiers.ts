// Keywords that cannot appear bare as identifiers in the DDL PlanLens writes. Not the full SQLite list:
// only words that are plausible column or table names in application schemas.
const RESERVED = new Set(
  (
    'abort action add all alter analyze and as asc attach autoincrement before begin between by cascade case cast check ' +
    'collate column commit conflict constraint create cross current default deferred delete desc detach distinct do drop ' +
    'each else end escape except exclusive exists explain filter first following for foreign from full generated glob group ' +
    'having if ignore immediate in index indexed initially inner insert instead intersect into is isnull join key last left ' +
    'like limit match natural no not nothing notnull null of offset on or order others outer over partition plan pragma ' +
    'preceding primary query raise range recursive references regexp reindex release rename replace restrict returning right ' +
    'rollback row rows savepoint select set table temp temporary then ties to transaction trigger unbounded union unique update ' +
    'using vacuum values view virtual when where window with without'
  ).split(' '),
);

/** Writes an identifier bare when SQLite accepts it bare, else double-quoted. */
export function quoteIdentifier(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name.toLowerCase())) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

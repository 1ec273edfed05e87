// Run with --allow-natives-syntax (test/unit/compact.test.ts): extracts generated Python and TypeScript and prints,
// per kind of call fact, how many objects there are and how many distinct hidden classes (V8 maps) they use.
import { extractPython } from '../../server/engine/extract/python';
import { extractTypeScript } from '../../server/engine/extract/typescript';

// Natives syntax (%HaveSameMap) is not TypeScript, so it sits in a Function body that V8 compiles at run time.
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

function classCount(objects: object[]): number {
  const representatives: object[] = [];
  for (const object of objects) if (!representatives.some((known) => haveSameMap(known, object))) representatives.push(object);
  return representatives.length;
}

async function main(): Promise<void> {
  let python = '';
  let typeScript = '';
  for (let index = 0; index < 60; index++) {
    python += `def load_${index}(db, rows):\n    for row in rows:\n        row.name.lower()\n        db.execute("SELECT 1")\n        helper_${index % 7}(row)\n\n`;
    typeScript += `function load${index}(db: any, rows: any[]) {\n  const stmt = db.prepare('SELECT 1');\n  for (const row of rows) {\n    stmt.get(row.id);\n    helper${index % 7}(row);\n    row.tags.push(row.name);\n  }\n}\n`;
  }
  const facts = [
    await extractPython({ path: 'app/db.py', language: 'python', text: python }),
    await extractTypeScript({ path: 'src/db.ts', language: 'typescript', text: typeScript }),
  ];
  const counts: Record<string, { objects: number; classes: number }> = {};
  for (const fact of facts) {
    const loopCalls = fact.workload?.loopCalls ?? [];
    const callees = (fact.workload?.functions ?? []).flatMap((fn) => fn.callees);
    counts[`${fact.language} loop calls`] = { objects: loopCalls.length, classes: classCount(loopCalls) };
    counts[`${fact.language} callees`] = { objects: callees.length, classes: classCount(callees) };
  }
  process.stdout.write(JSON.stringify(counts));
}

void main();

// Run with --allow-natives-syntax (test/unit/transfer.test.ts): extracts the fixture files, sends their facts the way
// an extraction worker does (packFacts, structured clone, unpackFacts) and prints how many statements arrived and
// how many of them V8 keeps as dictionaries instead of objects with a fast layout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAndExtract } from '../../server/engine/extract/fileFacts';
import { packFacts, unpackFacts } from '../../server/engine/extract/transfer';

// Natives syntax (%HasFastProperties) is not TypeScript, so it sits in a Function body that V8 compiles at run time.
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../fixtures');
  const files = (fs.readdirSync(root, { recursive: true }) as string[])
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => /\.(py|ts|rs)$/.test(file));
  let statements = 0;
  let dictionaries = 0;
  for (const file of files) {
    const { fact } = await readAndExtract(root, file);
    if (!fact) continue;
    const received = unpackFacts(structuredClone(packFacts(fact)));
    for (const statement of received.statements) {
      statements++;
      if (!hasFastProperties(statement)) dictionaries++;
    }
  }
  process.stdout.write(JSON.stringify({ statements, dictionaries }));
}

void main();

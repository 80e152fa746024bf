/**
 * The layer rules (eslint-rules/layers.mjs) fire: each is fed a deliberate violation, linted with
 * the project's own ESLint configuration, and must report it; the allowed form must pass. A rule
 * nobody checks can silently stop working (a renamed folder, a changed glob).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function layerMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'labbench/layers').map((m) => m.message);
}

const VIOLATIONS: { file: string; code: string; says: RegExp }[] = [
  {
    file: 'src/core/fixture.ts',
    code: "export * from '../visa/session';",
    says: /src\/core imports nothing above it/,
  },
  {
    file: 'src/core/fixture.ts',
    code: "export * from '../transport/types';",
    says: /src\/core imports nothing above it/,
  },
  {
    file: 'src/transport/fixture.ts',
    code: "export { ScpiSession } from '../visa/session';",
    says: /src\/transport never imports src\/visa/,
  },
  { file: 'src/transport/fixture.ts', code: "export * from '../watlow';", says: /never imports src\/watlow/ },
  {
    file: 'src/transport/fixture.ts',
    code: "export * from '../modbus/link';",
    says: /never imports src\/modbus/,
  },
  {
    file: 'src/watlow/fixture.ts',
    code: "export { SimulatedWatlowBuses } from '../sim/watlow/provider';",
    says: /Product code never imports src\/sim/,
  },
  {
    file: 'src/index.ts',
    code: "export * as sim from './sim';",
    says: /Product code never imports src\/sim/,
  },
  {
    file: 'src/visa/fixture.ts',
    code: "export type { NodeAPI } from 'node-red';",
    says: /knows nothing of Node-RED/,
  },
  {
    file: 'src/keithley/fixture.ts',
    code: "export * from '../../nodes/shared/config';",
    says: /src\/ never imports nodes\//,
  },
  {
    file: 'nodes/fixture.ts',
    code: "export { InvalidInputError } from '../src/core/errors';",
    says: /nodes\/ imports src only through its entry points/,
  },
  {
    file: 'nodes/shared/fixture.ts',
    code: "export { openSerialPort } from '../../src/transport/serial';",
    says: /nodes\/ imports src only through its entry points/,
  },
  {
    file: 'src/transport/fixture.ts',
    code: "export async function f(): Promise<unknown> { return import('../visa/session'); }",
    says: /src\/transport never imports src\/visa/,
  },
];

for (const v of VIOLATIONS) {
  test(`layers: ${v.file} with ${JSON.stringify(v.code)} is reported`, async () => {
    const messages = await layerMessages(v.file, v.code);
    assert.equal(messages.length, 1, `expected one layer error, got ${JSON.stringify(messages)}`);
    assert.match(messages[0]!, v.says);
  });
}

const ALLOWED: { file: string; code: string }[] = [
  { file: 'src/transport/fixture.ts', code: "export * from '../core/errors';" },
  { file: 'src/visa/fixture.ts', code: "export * from '../transport/openers';" },
  { file: 'src/sim/fixture.ts', code: "export * from '../visa/session';" },
  { file: 'nodes/fixture.ts', code: "export * from '../src/core';" },
  { file: 'nodes/shared/fixture.ts', code: "export * from '../../src/sim';" },
];

for (const a of ALLOWED) {
  test(`layers: ${a.file} with ${JSON.stringify(a.code)} passes`, async () => {
    assert.deepEqual(await layerMessages(a.file, a.code), []);
  });
}

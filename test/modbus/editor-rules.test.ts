/**
 * The modbus node's editor rules (resources/labbench-modbus-rules.js, plain browser script) and
 * the runtime's (nodes/shared/modbus-config.ts on src/modbus/values.ts) give the same verdict on
 * the same properties: generated property sets, as the dialog holds them (strings, blanks), each
 * either accepted by both or refused by both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseModbusNodeConfig } from '../../nodes/shared/modbus-config';
import { MODBUS_TABLES, MODBUS_VALUE_TYPES } from '../../src/modbus/values';

interface Rules {
  check(props: Record<string, unknown>): { field: string; message: string } | null;
}
// The script is served to the browser as is; under Node it exports its rules through `module`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rules = require(
  path.join(__dirname, '..', '..', '..', 'resources', 'labbench-modbus-rules.js'),
) as Rules;

function runtimeVerdict(props: Record<string, unknown>): boolean {
  try {
    parseModbusNodeConfig(props);
    return true;
  } catch {
    return false;
  }
}

const numberText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '1',
    '-1',
    '1.5',
    'abc',
    '65535',
    '65536',
    '247',
    '248',
    '1e3',
    'NaN',
    'Infinity',
  ),
  fc.integer({ min: -5, max: 70000 }).map(String),
  fc.integer({ min: -5, max: 70000 }),
  fc.double({ noNaN: false }),
);

const props = fc.record({
  operation: fc.constantFrom('read', 'write', '', 'erase'),
  address: numberText,
  table: fc.constantFrom(...MODBUS_TABLES, '', 'flash'),
  register: numberText,
  dataType: fc.constantFrom(...MODBUS_VALUE_TYPES, '', 'u8'),
  count: fc.oneof(numberText, fc.constantFrom('125', '250', '251', '16384', '16385', '32768')),
  wordOrder: fc.constantFrom('highLow', 'lowHigh', '', 'middle'),
  scale: fc.oneof(numberText, fc.constantFrom('0.1', '0', '-2', '1')),
  interval: fc.oneof(numberText, fc.constantFrom('0', '49', '50', '1000', '100.5', 'Infinity', '-Infinity')),
  output: fc.constantFrom('value', 'perValue', '', 'both'),
});

test('the editor refuses exactly what the runtime refuses', () => {
  fc.assert(
    fc.property(props, (p) => {
      const editor = rules.check(p) === null;
      assert.equal(editor, runtimeVerdict(p), JSON.stringify(p));
    }),
    { numRuns: 5000 },
  );
});

test('the editor names the field it refuses', () => {
  const base = {
    operation: 'read',
    address: '10',
    table: 'input',
    register: '0',
    dataType: 'float32',
    count: '1',
  };
  assert.equal(rules.check(base), null);
  assert.equal(rules.check({ ...base, register: '65535' })?.field, 'count');
  assert.equal(rules.check({ ...base, address: '0' })?.field, 'address');
  assert.equal(rules.check({ ...base, operation: 'write' })?.field, 'table');
  assert.equal(rules.check({ ...base, table: 'coil' })?.field, 'dataType');
  assert.equal(rules.check({ ...base, interval: '20' })?.field, 'interval');
  assert.equal(rules.check({ ...base, scale: '0' })?.field, 'scale');
});

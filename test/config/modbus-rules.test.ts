/**
 * The modbus node's dialog and its runtime give the same verdict on the same properties: the
 * dialog runs the bundled configuration rules (resources/labbench-rules.js, built from
 * src/config/modbus.ts), the node parses its properties with nodes/shared/modbus-config.ts.
 * Generated property sets, as the dialog holds them (strings, blanks): the dialog is valid
 * exactly when the runtime accepts, and every field it marks shows the runtime's own message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseModbusNodeConfig } from '../../nodes/shared/modbus-config';
import { MODBUS_TABLES, MODBUS_VALUE_TYPES } from '../../src/modbus';
import { loadEditorRules, runtimeVerdict } from './editor-rules';

const rules = loadEditorRules();

/** The fields the dialog marks, each with the message it shows. */
function marked(props: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of rules.modbusFields) {
    const verdict = rules.modbus(field, props);
    if (verdict !== true) out[field] = verdict;
  }
  return out;
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

test('the editor refuses exactly what the runtime refuses, with its message', () => {
  fc.assert(
    fc.property(props, (p) => {
      const runtime = runtimeVerdict(() => parseModbusNodeConfig(p));
      const shown = Object.values(marked(p));
      if (runtime === true) assert.deepEqual(shown, [], JSON.stringify(p));
      else {
        assert.ok(shown.length > 0, `refused at deploy but valid in the dialog: ${JSON.stringify(p)}`);
        for (const message of shown) assert.equal(message, runtime, JSON.stringify(p));
      }
    }),
    { numRuns: 3000 },
  );
});

test('the editor marks the fields that take part in the refusal', () => {
  const base = {
    operation: 'read',
    address: '10',
    table: 'input',
    register: '0',
    dataType: 'float32',
    count: '1',
  };
  const fields = (p: Record<string, unknown>) => Object.keys(marked(p)).sort();
  assert.deepEqual(marked(base), {});
  assert.deepEqual(fields({ ...base, register: '65535' }), ['dataType', 'register']);
  assert.deepEqual(fields({ ...base, register: '65534', count: '2' }), ['count', 'dataType', 'register']);
  assert.deepEqual(fields({ ...base, address: '0' }), ['address']);
  assert.deepEqual(fields({ ...base, operation: 'write' }), ['operation', 'table']);
  assert.deepEqual(fields({ ...base, table: 'coil' }), ['dataType', 'table']);
  assert.deepEqual(fields({ ...base, interval: '20' }), ['interval']);
  assert.deepEqual(fields({ ...base, scale: '0' }), ['scale']);
  assert.match(marked({ ...base, operation: 'write' }).table!, /input table is read-only in Modbus/);
});

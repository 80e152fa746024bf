/**
 * Defect 9 (prototype keys in library lookups) and defect 10 (library entry points throw only the
 * package's own error types). User text that names a table entry counts only the table's own
 * entries; invalid arguments of the declared types fail with a coded LabbenchError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../src/core/errors';
import { ownEntry, requireEnum, requireFiniteNumber } from '../../src/core/validate';
import { parseModelRef, validateBatterySettings } from '../../src/keithley/settings';
import { batteryRequestFromMessage } from '../../nodes/shared/keithley-messages';
import { parseField } from '../../src/keithley/replies';
import { findParameter } from '../../src/watlow/catalogue';
import { coerceWriteValue, resolveParameter } from '../../src/watlow/parameters';
import { macOfAddress, encodeFrame } from '../../src/watlow/stdbus/frame';
import { selectorOf } from '../../src/watlow/stdbus/payload';
import { encodeTypedValue } from '../../src/watlow/stdbus/values';
import { encodeRtuRequest } from '../../src/modbus/rtu';
import { encodeRegisters } from '../../src/watlow/modbus/registers';
import { encodeDevDepMsgOut } from '../../src/transport/usbtmc-codec';
import { parseSimPath, resourceKey } from '../../src/core/identity';
import { booleanParam, numericParam } from '../../src/sim/keithley/scpi-parser';

const PROTOTYPE_KEYS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

function assertCoded(fn: () => unknown, code?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LabbenchError, `expected a LabbenchError, got ${String(err)}`);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}

test('defect 9: parseModelRef refuses prototype keys instead of returning Object or Object.prototype', () => {
  for (const key of PROTOTYPE_KEYS) {
    assertCoded(() => parseModelRef(key), 'E_INVALID_INPUT');
    assertCoded(() => validateBatterySettings({ model: key }), 'E_INVALID_INPUT');
    assertCoded(() => batteryRequestFromMessage('model', key), 'E_INVALID_INPUT');
  }
  assert.equal(parseModelRef('li-ion4-2'), 'LI_ION4_2');
});

test('defect 9: parameter names, enumeration names and unit prefixes ignore prototype keys', () => {
  const controlMode = resolveParameter('controlMode');
  for (const key of PROTOTYPE_KEYS) {
    assert.equal(findParameter(key), undefined);
    assertCoded(() => resolveParameter(key), 'E_INVALID_INPUT');
    assertCoded(() => coerceWriteValue(controlMode, 'enum', key), 'E_INVALID_INPUT');
    assertCoded(() => requireEnum(key, 'method', ['static', 'dynamic']), 'E_INVALID_INPUT');
    assert.equal(ownEntry({ a: 1 }, key), undefined);
  }
  assert.equal(coerceWriteValue(controlMode, 'enum', 'auto'), 10);
  // Prefixes come from a Map: a unit that starts with no known prefix keeps its value.
  assert.deepEqual(parseField('2cV'), { value: 2, unit: 'CV' });
  assert.deepEqual(parseField('2mV'), { value: 0.002, unit: 'V' });
});

test('defect 9: the simulated 2281S answers prototype words as illegal parameters, not with inherited values', () => {
  for (const key of PROTOTYPE_KEYS) {
    assert.throws(() => booleanParam(key, { DIS: false }), { code: -224 });
    assert.throws(() => booleanParam(key.toUpperCase(), { DIS: false }), { code: -224 });
    assert.throws(
      () => numericParam(`5${key}`, { min: 0, max: 10 }, ['V']),
      (err: { code: number }) => {
        assert.ok(err.code === -104 || err.code === -131 || err.code === -224, String(err.code));
        return true;
      },
    );
  }
});

test('defect 10: Std Bus and Modbus encoders refuse impossible values with E_OUT_OF_RANGE, never RangeError', () => {
  assertCoded(() => selectorOf(4300, 1), 'E_OUT_OF_RANGE');
  assertCoded(() => selectorOf(4001, 0), 'E_OUT_OF_RANGE');
  assertCoded(() => selectorOf(Number.NaN, 1), 'E_OUT_OF_RANGE');
  assertCoded(() => selectorOf(999_999_999, 1), 'E_OUT_OF_RANGE');
  assertCoded(() => macOfAddress(0), 'E_OUT_OF_RANGE');
  assertCoded(() => macOfAddress(17), 'E_OUT_OF_RANGE');
  assertCoded(
    () => encodeFrame({ frameType: 5, destination: 0x10, source: 0, payload: new Uint8Array(600) }),
    'E_OUT_OF_RANGE',
  );
  assertCoded(() => encodeTypedValue({ type: 'float', value: Number.NaN }), 'E_OUT_OF_RANGE');
  assertCoded(() => encodeRtuRequest(0, { fc: 3, address: 0, quantity: 1 }), 'E_OUT_OF_RANGE');
  assertCoded(() => encodeRtuRequest(1, { fc: 3, address: 70_000, quantity: 1 }), 'E_OUT_OF_RANGE');
  assertCoded(() => encodeRtuRequest(1, { fc: 3, address: 0, quantity: 0 }), 'E_OUT_OF_RANGE');
  assertCoded(() => encodeRtuRequest(1, { fc: 16, address: 0, values: [] }), 'E_OUT_OF_RANGE');
  assertCoded(() => encodeRegisters('u16', 70_000, 'lowHigh'), 'E_OUT_OF_RANGE');
  assertCoded(() => encodeRegisters('string', 1, 'lowHigh'), 'E_INVALID_INPUT');
  assertCoded(() => encodeDevDepMsgOut(0, Buffer.alloc(0), true), 'E_OUT_OF_RANGE');
});

test('defect 10: validators and address parsers answer any JavaScript value with a coded error', () => {
  const hostile: unknown[] = [
    undefined,
    null,
    Symbol('s'),
    10n,
    Object.create(null),
    { toString: () => 'x' },
    [],
    () => 1,
    Number.NaN,
  ];
  for (const value of hostile) {
    assertCoded(() => requireFiniteNumber(value, 'x'));
    assertCoded(() => parseModelRef(value));
    assertCoded(() => resolveParameter(value));
    assertCoded(() => resourceKey(value as string));
    assert.equal(parseSimPath(value as string), undefined);
    assert.equal(findParameter(value as string), undefined);
  }
});

/** The one validation helper: what reaches a wire is a finite number in range, or safe text. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireBoolean,
  requireEnum,
  requireFiniteNumber,
  requireInteger,
  requireKnownKeys,
  requirePlainObject,
  requireSafeText,
} from '../../src/core/validate';

describe('requireFiniteNumber', () => {
  test('accepts numbers and numeric strings', () => {
    assert.equal(requireFiniteNumber(12.5, 'setpoint'), 12.5);
    assert.equal(requireFiniteNumber('12.5', 'setpoint'), 12.5);
    assert.equal(requireFiniteNumber(' -3 ', 'x'), -3);
    assert.equal(requireFiniteNumber('1e3', 'x'), 1000);
    assert.equal(requireFiniteNumber('.5', 'x'), 0.5);
  });

  test('refuses NaN, infinities, non-numbers and junk strings with E_INVALID_INPUT', () => {
    const bad: unknown[] = [
      NaN,
      Infinity,
      -Infinity,
      '',
      ' ',
      'abc',
      '12abc',
      '0x10',
      '1,5',
      null,
      undefined,
      true,
      [],
      {},
      [1],
    ];
    for (const value of bad) {
      assert.throws(
        () => requireFiniteNumber(value, 'setpoint'),
        (err: Error & { code?: string }) => err.code === 'E_INVALID_INPUT' && /setpoint/.test(err.message),
        `value ${String(value)}`,
      );
    }
    assert.throws(() => requireFiniteNumber('12.5', 'x', { allowNumericString: false }), {
      code: 'E_INVALID_INPUT',
    });
  });

  test('range: inclusive bounds, E_OUT_OF_RANGE naming field, value, range and units', () => {
    const rule = { min: -200, max: 1250, units: '°C' };
    assert.equal(requireFiniteNumber(-200, 'setpoint', rule), -200);
    assert.equal(requireFiniteNumber(1250, 'setpoint', rule), 1250);
    assert.throws(() => requireFiniteNumber(1250.01, 'setpoint', rule), {
      code: 'E_OUT_OF_RANGE',
      name: 'OutOfRangeError',
      message: 'setpoint = 1250.01 °C is out of range: allowed -200…1250 °C.',
    });
    assert.throws(() => requireFiniteNumber(-201, 'setpoint', rule), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => requireFiniteNumber(-1, 'current', { min: 0 }), /at least 0/);
    assert.throws(() => requireFiniteNumber(21, 'voltage', { max: 20, units: 'V' }), /at most 20 V/);
    assert.throws(() => requireFiniteNumber('99', 'x', { max: 10 }), { code: 'E_OUT_OF_RANGE' });
  });

  test('integers', () => {
    assert.equal(requireInteger(4, 'address', { min: 1, max: 17 }), 4);
    assert.equal(requireInteger('17', 'address', { min: 1, max: 17 }), 17);
    assert.throws(() => requireInteger(1.5, 'address'), { code: 'E_INVALID_INPUT', message: /whole number/ });
    assert.throws(() => requireInteger(18, 'address', { min: 1, max: 17 }), { code: 'E_OUT_OF_RANGE' });
  });
});

describe('text, enums, booleans, objects', () => {
  test('requireSafeText refuses ";", line breaks and control characters', () => {
    assert.equal(requireSafeText('Oven 1', 'name'), 'Oven 1');
    for (const bad of ['VOLT 5;*RST', 'a\nb', 'a\r', '\tx', 'x\u0000', 'x\u007f', 'x\u001b[2J']) {
      assert.throws(
        () => requireSafeText(bad, 'label'),
        { code: 'E_INVALID_INPUT', message: /label must not contain/ },
        JSON.stringify(bad),
      );
    }
    assert.throws(() => requireSafeText(5, 'label'), { code: 'E_INVALID_INPUT' });
    assert.throws(() => requireSafeText('  ', 'label'), { code: 'E_INVALID_INPUT', message: /empty/ });
    assert.equal(requireSafeText('', 'label', { allowEmpty: true }), '');
    assert.throws(() => requireSafeText('x'.repeat(11), 'label', { maxLength: 10 }), /too long/);
  });

  test('requireEnum is case-insensitive and returns the canonical spelling', () => {
    assert.equal(requireEnum('MODBUS', 'protocol', ['stdbus', 'modbus'] as const), 'modbus');
    assert.throws(() => requireEnum('rtu', 'protocol', ['stdbus', 'modbus']), {
      code: 'E_INVALID_INPUT',
      message: 'protocol must be one of "stdbus", "modbus", got "rtu".',
    });
    assert.throws(() => requireEnum(1, 'protocol', ['stdbus']), { code: 'E_INVALID_INPUT' });
  });

  test('requireBoolean', () => {
    for (const v of [true, 1, 'true', 'ON', 'yes', '1'])
      assert.equal(requireBoolean(v, 'output'), true, String(v));
    for (const v of [false, 0, 'false', 'off', 'No', '0'])
      assert.equal(requireBoolean(v, 'output'), false, String(v));
    for (const v of ['maybe', 2, null, undefined, {}]) {
      assert.throws(() => requireBoolean(v, 'output'), { code: 'E_INVALID_INPUT' }, String(v));
    }
  });

  test('requirePlainObject and requireKnownKeys', () => {
    assert.deepEqual(requirePlainObject({ a: 1 }, 'payload'), { a: 1 });
    for (const v of [null, [], 'x', 5, Buffer.from('x')]) {
      assert.throws(() => requirePlainObject(v, 'payload'), { code: 'E_INVALID_INPUT' });
    }
    requireKnownKeys({ voltage: 1 }, 'payload', ['voltage', 'current']);
    assert.throws(() => requireKnownKeys({ volatge: 1 }, 'payload', ['voltage', 'current']), {
      code: 'E_INVALID_INPUT',
      message: /"volatge"/,
    });
  });
});

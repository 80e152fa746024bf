/** The typed value codec: conversions both ways, validation, request splitting. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ValueSpec, ValueSpecInput } from '../../src/modbus/values';
import {
  MODBUS_FC,
  decodeValues,
  planReads,
  planWrites,
  validateUnitAddress,
  validateValueSpec,
} from '../../src/modbus/values';

function spec(input: ValueSpecInput): ValueSpec {
  return validateValueSpec({ register: 0, ...input });
}

function roundTrip(s: ValueSpec, payload: unknown): unknown[] {
  const writes = planWrites(s, payload);
  const words = writes.flatMap((w) => w.values as number[]);
  return decodeValues(s, words);
}

describe('values ↔ registers', () => {
  test('known vectors: float32 230.0 high word first is 0x4366 0x0000; lowHigh swaps the words', () => {
    assert.deepEqual(planWrites(spec({ type: 'float32' }), 230)[0]!.values, [0x4366, 0x0000]);
    assert.deepEqual(
      planWrites(spec({ type: 'float32', wordOrder: 'lowHigh' }), 230)[0]!.values,
      [0x0000, 0x4366],
    );
    assert.deepEqual(decodeValues(spec({ type: 'float32' }), [0x4366, 0x0000]), [230]);
    assert.deepEqual(decodeValues(spec({ type: 'float32', wordOrder: 'lowHigh' }), [0x0000, 0x4366]), [230]);
    assert.deepEqual(planWrites(spec({ type: 'int16' }), -2)[0]!.values, [0xfffe]);
    assert.deepEqual(planWrites(spec({ type: 'uint32' }), 0x12345678)[0]!.values, [0x1234, 0x5678]);
    assert.deepEqual(
      planWrites(spec({ type: 'int32', wordOrder: 'lowHigh' }), -1)[0]!.values,
      [0xffff, 0xffff],
    );
    assert.deepEqual(decodeValues(spec({ type: 'int32' }), [0xfffe, 0x1dc0]), [-123456]);
    assert.deepEqual(decodeValues(spec({ type: 'float64' }), [0x4009, 0x21fb, 0x5444, 0x2d18]), [Math.PI]);
    assert.deepEqual(
      decodeValues(spec({ type: 'float64', wordOrder: 'lowHigh' }), [0x2d18, 0x5444, 0x21fb, 0x4009]),
      [Math.PI],
    );
  });

  test('every numeric type round-trips, in both word orders, several values at once', () => {
    const rows: [ValueSpecInput['type'], number[]][] = [
      ['uint16', [0, 1, 65535]],
      ['int16', [-32768, -1, 32767]],
      ['uint32', [0, 70000, 4294967295]],
      ['int32', [-2147483648, -70000, 2147483647]],
      ['float32', [0.5, -1e10, 3.25]],
      ['float64', [Math.E, -1e300, 1 / 3]],
    ];
    for (const [type, values] of rows) {
      for (const wordOrder of ['highLow', 'lowHigh'] as const) {
        assert.deepEqual(
          roundTrip(spec({ type, wordOrder, count: values.length }), values),
          values,
          `${type} ${wordOrder}`,
        );
      }
    }
  });

  test('scale: value = raw × scale on read; raw = value ÷ scale on write, rounded for integer types', () => {
    const tenths = spec({ type: 'int16', scale: 0.1 });
    assert.deepEqual(planWrites(tenths, 12.3)[0]!.values, [123]);
    assert.deepEqual(planWrites(tenths, -0.06)[0]!.values, [0xffff], '-0.6 rounds to -1');
    assert.ok(Math.abs((decodeValues(tenths, [123])[0] as number) - 12.3) < 1e-9);
    assert.deepEqual(decodeValues(spec({ type: 'float32', scale: 2 }), [0x4366, 0]), [460]);
    assert.deepEqual(planWrites(spec({ type: 'float32', scale: 2 }), 460)[0]!.values, [0x4366, 0]);
  });

  test('strings: two ASCII characters a register, NUL-padded; read stops at the first NUL', () => {
    const s = spec({ type: 'string', count: 5 });
    const [write] = planWrites(s, 'PM-1');
    assert.equal(write!.fc, MODBUS_FC.writeMultipleRegisters);
    assert.deepEqual(write!.values, [0x504d, 0x2d31, 0x0000]);
    assert.deepEqual(decodeValues(s, [0x504d, 0x2d31, 0x3200]), ['PM-12']);
    assert.deepEqual(decodeValues(s, [0x504d, 0x2d31, 0x0000]), ['PM-1']);
  });

  test('bool: bits on coil/discrete tables, 0/1 registers on register tables', () => {
    assert.deepEqual(decodeValues(spec({ table: 'coil', count: 3 }), [true, false, true, false]), [
      true,
      false,
      true,
    ]);
    assert.deepEqual(planWrites(spec({ table: 'coil', count: 2 }), [true, 0])[0], {
      fc: MODBUS_FC.writeMultipleCoils,
      start: 0,
      values: [true, false],
    });
    assert.deepEqual(planWrites(spec({ table: 'coil', register: 7 }), true), [
      { fc: MODBUS_FC.writeSingleCoil, start: 7, values: [true] },
    ]);
    assert.deepEqual(planWrites(spec({ type: 'bool' }), false), [
      { fc: MODBUS_FC.writeSingleRegister, start: 0, values: [0] },
    ]);
    assert.deepEqual(decodeValues(spec({ type: 'bool', count: 2 }), [0, 7]), [false, true]);
  });

  test('defaults: holding, uint16, count 1, highLow, scale 1; bit tables default to bool', () => {
    assert.deepEqual(validateValueSpec({ register: 5 }), {
      table: 'holding',
      register: 5,
      type: 'uint16',
      count: 1,
      wordOrder: 'highLow',
      scale: 1,
    });
    assert.equal(validateValueSpec({ register: 0, table: 'discrete' }).type, 'bool');
  });
});

describe('validation refuses before anything is sent', () => {
  const refusals: [string, () => unknown, string, RegExp][] = [
    ['NaN', () => planWrites(spec({ type: 'float32' }), NaN), 'E_INVALID_INPUT', /finite/],
    ['Infinity', () => planWrites(spec({ type: 'float64' }), Infinity), 'E_INVALID_INPUT', /finite/],
    [
      'a float for an integer type',
      () => planWrites(spec({ type: 'int16' }), 1.5),
      'E_INVALID_INPUT',
      /whole number.*int16/,
    ],
    ['uint16 too large', () => planWrites(spec({ type: 'uint16' }), 65536), 'E_OUT_OF_RANGE', /0\.\.65535/],
    [
      'int16 too small',
      () => planWrites(spec({ type: 'int16' }), -32769),
      'E_OUT_OF_RANGE',
      /-32768\.\.32767/,
    ],
    [
      'scaled out of range',
      () => planWrites(spec({ type: 'uint16', scale: 0.1 }), 6553.6),
      'E_OUT_OF_RANGE',
      /raw 0\.\.65535/,
    ],
    ['float32 overflow', () => planWrites(spec({ type: 'float32' }), 1e39), 'E_OUT_OF_RANGE', /float32/],
    [
      'text for a number',
      () => planWrites(spec({ type: 'uint16' }), '12'),
      'E_INVALID_INPUT',
      /must be a number/,
    ],
    [
      'count/value mismatch',
      () => planWrites(spec({ type: 'uint16', count: 3 }), [1, 2]),
      'E_INVALID_INPUT',
      /3 values.*has 2/,
    ],
    ['array for count 1', () => planWrites(spec({ type: 'uint16' }), [1, 2]), 'E_INVALID_INPUT', /1 value/],
    [
      'bool not boolean',
      () => planWrites(spec({ table: 'coil' }), 'on'),
      'E_INVALID_INPUT',
      /true, false, 1 or 0/,
    ],
    [
      'string too long',
      () => planWrites(spec({ type: 'string', count: 3 }), 'ABCD'),
      'E_OUT_OF_RANGE',
      /holds 3/,
    ],
    [
      'string not ASCII',
      () => planWrites(spec({ type: 'string', count: 3 }), 'Ω'),
      'E_INVALID_INPUT',
      /ASCII/,
    ],
    ['write to input registers', () => planWrites(spec({ table: 'input' }), 1), 'E_READ_ONLY', /read-only/],
    [
      'write to discrete inputs',
      () => planWrites(spec({ table: 'discrete' }), true),
      'E_READ_ONLY',
      /read-only/,
    ],
    ['count 0', () => spec({ count: 0 }), 'E_OUT_OF_RANGE', /Count must be 1\.\./],
    ['count fractional', () => spec({ count: 1.5 }), 'E_INVALID_INPUT', /whole number/],
    [
      'count past the address space',
      () => spec({ register: 65000, type: 'float32', count: 300 }),
      'E_OUT_OF_RANGE',
      /past the last address/,
    ],
    [
      'register out of range',
      () => spec({ register: 65536 }),
      'E_OUT_OF_RANGE',
      /Register must be 0\.\.65535/,
    ],
    ['register missing', () => validateValueSpec({}), 'E_INVALID_INPUT', /Register must be a number/],
    ['unknown type', () => spec({ type: 'float16' }), 'E_INVALID_INPUT', /Type must be one of/],
    ['unknown table', () => spec({ table: 'registers' }), 'E_INVALID_INPUT', /Table must be one of/],
    [
      'non-bool type on coils',
      () => spec({ table: 'coil', type: 'uint16' }),
      'E_INVALID_INPUT',
      /single bits/,
    ],
    ['scale 0', () => spec({ scale: 0 }), 'E_INVALID_INPUT', /Scale/],
    ['scale on a string', () => spec({ type: 'string', scale: 2 }), 'E_INVALID_INPUT', /numbers only/],
    [
      'string longer than one read',
      () => spec({ type: 'string', count: 251 }),
      'E_OUT_OF_RANGE',
      /characters of the string/,
    ],
    ['broadcast read', () => validateUnitAddress(0, 'read'), 'E_INVALID_INPUT', /broadcast/],
    ['address 248', () => validateUnitAddress(248, 'write'), 'E_OUT_OF_RANGE', /0\.\.247/],
  ];
  for (const [what, run, code, message] of refusals) {
    test(what, () => {
      assert.throws(run, (err: Error & { code?: string }) => {
        assert.equal(err.code, code, err.message);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  test('broadcast writes are allowed', () => {
    assert.equal(validateUnitAddress(0, 'write'), 0);
    assert.equal(validateUnitAddress(247, 'read'), 247);
  });
});

describe('requests larger than the protocol allows are split, never inside a value', () => {
  test('reads: 125 registers, 2000 bits a request', () => {
    assert.deepEqual(
      planReads(spec({ register: 10, count: 300 })).map((r) => [r.fc, r.start, r.quantity]),
      [
        [3, 10, 125],
        [3, 135, 125],
        [3, 260, 50],
      ],
    );
    // float32: 2 registers a value, so at most 124 registers a request.
    assert.deepEqual(
      planReads(spec({ table: 'input', type: 'float32', count: 100 })).map((r) => [
        r.fc,
        r.start,
        r.quantity,
      ]),
      [
        [4, 0, 124],
        [4, 124, 76],
      ],
    );
    assert.deepEqual(
      planReads(spec({ type: 'float64', count: 40 })).map((r) => r.quantity),
      [124, 36],
    );
    assert.deepEqual(
      planReads(spec({ table: 'discrete', count: 4500 })).map((r) => [r.fc, r.start, r.quantity]),
      [
        [2, 0, 2000],
        [2, 2000, 2000],
        [2, 4000, 500],
      ],
    );
    assert.deepEqual(
      planReads(spec({ type: 'string', count: 250 })).map((r) => r.quantity),
      [125],
    );
  });

  test('writes: 123 registers, 1968 coils a request; a single register or coil uses FC 06 / 05', () => {
    const words = planWrites(
      spec({ type: 'uint32', count: 100 }),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(
      words.map((w) => [w.fc, w.start, w.values.length]),
      [
        [16, 0, 122],
        [16, 122, 78],
      ],
    );
    assert.deepEqual(words[1]!.values.slice(0, 2), [0, 61], 'value 61 starts the second request');
    const coils = planWrites(
      spec({ table: 'coil', count: 3937 }),
      Array.from({ length: 3937 }, (_, i) => i % 2 === 0),
    );
    assert.deepEqual(
      coils.map((w) => [w.fc, w.start, w.values.length]),
      [
        [15, 0, 1968],
        [15, 1968, 1968],
        [5, 3936, 1],
      ],
    );
    assert.equal(coils[2]!.values[0], true);
    assert.throws(() => planWrites(spec({ type: 'string', count: 250 }), 'x'), { code: 'E_OUT_OF_RANGE' });
  });
});

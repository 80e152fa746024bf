/** Reply parsing of the 2281S (pure): bare numbers and unit-suffixed multi-field replies alike. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseConcurrentMeasurement,
  parseEntryFunction,
  parseIdentity,
  parseMethod,
  parseModelRecall,
  parseNumberReply,
  parseOnOff,
  parseQuestionableSummary,
  parseScpiError,
  parseTrip,
} from '../../src/keithley/replies';
import { scientific } from '../../src/sim/keithley';

describe('numbers', () => {
  test('bare setpoint replies', () => {
    assert.equal(parseNumberReply('20', ':VOLT?'), 20);
    assert.equal(parseNumberReply('0.1', ':CURR?'), 0.1);
    assert.equal(parseNumberReply('+5.000000E+00', ':VOLT?'), 5);
  });

  test('unit-suffixed multi-field measurements observed on hardware', () => {
    const reply = '-7.293284E-07A,+5.000000E+00V,+1.050650E+04s';
    assert.equal(parseNumberReply(reply, ':MEAS:CONC?', 'V'), 5);
    assert.equal(parseNumberReply(reply, ':MEAS:CONC?', 'A'), -7.293284e-7);
    assert.deepEqual(parseConcurrentMeasurement('+1.500000E+00A,+3.299153E+00V,+3.369820E+05s', 'q'), {
      current: 1.5,
      voltage: 3.299153,
    });
  });

  test('unit prefixes are folded into the value', () => {
    assert.equal(parseNumberReply('12.5mA,+1.0E+01s', 'q', 'A'), 0.0125);
    assert.equal(parseNumberReply('250uA', 'q', 'A'), 0.00025);
  });

  test('a field picked by unit wins over position; without a match the first field is used', () => {
    assert.equal(parseNumberReply('+3.0E+00V,+2.0E-01A', 'q', 'A'), 0.2);
    assert.equal(parseNumberReply('+3.0E+00,+2.0E-01', 'q', 'A'), 3);
  });

  test('concurrent measurement fields in any order, and bare (I, V order)', () => {
    assert.deepEqual(parseConcurrentMeasurement('+5.0E+00V,+1.0E-01A', 'q'), { voltage: 5, current: 0.1 });
    assert.deepEqual(parseConcurrentMeasurement('+1.0E-01,+5.0E+00,+3.0E+01', 'q'), {
      voltage: 5,
      current: 0.1,
    });
  });

  test('overflow markers become NaN', () => {
    assert.ok(Number.isNaN(parseNumberReply('+9.900000E+37', 'q')));
    assert.ok(Number.isNaN(parseNumberReply('9.91E37V', 'q', 'V')));
  });

  test('garbage is a protocol error naming the query', () => {
    assert.throws(
      () => parseNumberReply('hello', ':VOLT?'),
      (e: Error & { code?: string }) => e.code === 'E_PROTOCOL' && e.message.includes(':VOLT?'),
    );
    assert.throws(() => parseConcurrentMeasurement('+5V', 'q'), { code: 'E_PROTOCOL' });
  });

  test('the simulator formats measurements the way the parser reads them', () => {
    assert.equal(scientific(5), '+5.000000E+00');
    assert.equal(scientific(-7.293284e-7), '-7.293284E-07');
    assert.equal(scientific(10506.5), '+1.050650E+04');
    assert.equal(parseNumberReply(`${scientific(0.0123)}A`, 'q', 'A'), 0.0123);
  });
});

describe('words', () => {
  test('entry function: substring match, case-insensitive, spellings of pymeasure and Lager', () => {
    for (const r of ['POWER', 'POW', 'power', '"POWER"', 'PSS', 'SUPPLY'])
      assert.equal(parseEntryFunction(r, 'q'), 'power');
    for (const r of ['SIMULATOR', 'SIM', 'BATT', 'simulator'])
      assert.equal(parseEntryFunction(r, 'q'), 'simulator');
    assert.equal(parseEntryFunction('TEST', 'q'), 'test');
    assert.equal(parseEntryFunction('BATTERY TEST', 'q'), 'test');
    assert.throws(() => parseEntryFunction('XYZ', 'q'), { code: 'E_PROTOCOL' });
  });

  test('trip: NONE is a value, not a falsy answer', () => {
    assert.equal(parseTrip('NONE', 'q'), 'NONE');
    assert.equal(parseTrip('ovp', 'q'), 'OVP');
    assert.equal(parseTrip('OCP', 'q'), 'OCP');
    assert.throws(() => parseTrip('', 'q'), { code: 'E_PROTOCOL' });
  });

  test('on/off in both spellings', () => {
    assert.equal(parseOnOff('1', 'q'), true);
    assert.equal(parseOnOff('ON', 'q'), true);
    assert.equal(parseOnOff('0', 'q'), false);
    assert.equal(parseOnOff('off', 'q'), false);
    assert.throws(() => parseOnOff('2', 'q'), { code: 'E_PROTOCOL' });
  });

  test('model read-back: slot number or built-in name', () => {
    assert.equal(parseModelRecall('3', 'q'), 3);
    assert.equal(parseModelRecall('LI_ION4_2', 'q'), 'LI_ION4_2');
    assert.equal(parseModelRecall('"discharge"', 'q'), 'DISCHARGE');
  });

  test('method, error entries, identity, status bits', () => {
    assert.equal(parseMethod('DYNAMIC', 'q'), 'dynamic');
    assert.equal(parseMethod('STAT', 'q'), 'static');
    assert.deepEqual(parseScpiError('-222,"Data out of range"'), {
      code: -222,
      message: 'Data out of range',
    });
    assert.deepEqual(parseScpiError('0,"No error"'), { code: 0, message: 'No error' });
    assert.deepEqual(parseIdentity('KEITHLEY INSTRUMENTS,MODEL 2281S-20-6,4518305,01.08b'), {
      manufacturer: 'KEITHLEY INSTRUMENTS',
      model: '2281S-20-6',
      serial: '4518305',
      firmware: '01.08b',
    });
    const bits = parseQuestionableSummary('65', 'q');
    assert.equal(bits.constantCurrent, true);
    assert.equal(bits.outputEnabled, true);
    assert.equal(bits.constantVoltage, false);
    assert.equal(parseQuestionableSummary('8', 'q').ovpTripped, true);
  });
});

/** Input validation, topic+scalar messages (the adapter's convention) and the safe write order (all pure). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planBattery, planSupply } from '../../src/keithley/ordering';
import { validateBatterySettings, validateSupplySettings } from '../../src/keithley/settings';
import { batteryRequestFromMessage, supplyRequestFromMessage } from '../../nodes/shared/keithley-messages';
import { BAD_BATTERY, BAD_SUPPLY } from './support';

describe('validation', () => {
  test('valid supply payload, numeric strings and switch spellings accepted', () => {
    assert.deepEqual(
      validateSupplySettings({ voltage: '5', current: 1, ovp: 6, ocp: 2, output: 'on', clear: 'ALL' }),
      {
        voltage: 5,
        current: 1,
        ovp: 6,
        ocp: 2,
        output: true,
        clear: 'all',
      },
    );
  });

  for (const [name, input, code] of BAD_SUPPLY) {
    test(`supply refuses ${name} with ${code}`, () => {
      assert.throws(() => validateSupplySettings(input), { code });
    });
  }
  for (const [name, input, code] of BAD_BATTERY) {
    test(`battery refuses ${name} with ${code}`, () => {
      assert.throws(() => validateBatterySettings(input), { code });
    });
  }

  test('battery payload: model names map to firmware tokens, slots are whole numbers 1..9', () => {
    assert.equal(validateBatterySettings({ model: 'li-ion4_2' }).model, 'LI_ION4_2');
    assert.equal(validateBatterySettings({ model: 'LEAD-ACID12' }).model, 'LEAD_ACID12');
    assert.equal(validateBatterySettings({ model: '3' }).model, 3);
    assert.throws(() => validateBatterySettings({ model: 0 }), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => validateBatterySettings({ model: 10 }), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => validateBatterySettings({ model: 2.5 }), { code: 'E_INVALID_INPUT' });
    assert.throws(() => validateBatterySettings({ model: 'DISCHARGE' }), { code: 'E_INVALID_INPUT' });
    assert.throws(() => validateBatterySettings({ model: 'LI_ION4_2;*RST' }), { code: 'E_INVALID_INPUT' });
  });

  test('battery ranges and cross-field rules', () => {
    assert.throws(() => validateBatterySettings({ soc: 101 }), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => validateBatterySettings({ capacity: 0 }), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => validateBatterySettings({ esrOffset: -101 }), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => validateBatterySettings({ method: 'fast' }), { code: 'E_INVALID_INPUT' });
    assert.throws(() => validateBatterySettings({ soc: 50, voc: 3.7 }), { code: 'E_INVALID_INPUT' });
    assert.throws(() => validateBatterySettings({ fullVoltage: 3, emptyVoltage: 4 }), {
      code: 'E_INVALID_INPUT',
    });
    assert.deepEqual(validateBatterySettings({ method: 'Static', esrOffset: -0.5 }), {
      method: 'static',
      esrOffset: -0.5,
    });
  });
});

describe('messages', () => {
  test('topic names one key and the payload is its value (dashboard sliders)', () => {
    assert.deepEqual(supplyRequestFromMessage('voltage', 3.3), { settings: { voltage: 3.3 } });
    assert.deepEqual(supplyRequestFromMessage('Output', true), { settings: { output: true } });
    assert.deepEqual(batteryRequestFromMessage('soc', '80'), { settings: { soc: 80 } });
  });

  test('empty payload or topic "state" only reads; topic "monitor" switches monitoring', () => {
    assert.deepEqual(supplyRequestFromMessage(undefined, undefined), { settings: {} });
    assert.deepEqual(supplyRequestFromMessage('', ''), { settings: {} });
    assert.deepEqual(supplyRequestFromMessage('state', 'anything'), { settings: {} });
    assert.deepEqual(supplyRequestFromMessage('x', {}), { settings: {} });
    assert.deepEqual(batteryRequestFromMessage('monitor', 'off'), { settings: {}, monitor: false });
    assert.deepEqual(supplyRequestFromMessage('', { monitor: true, voltage: 2 }), {
      settings: { voltage: 2 },
      monitor: true,
    });
  });

  test('a scalar with an unknown topic is refused, and so is a bad scalar', () => {
    assert.throws(() => supplyRequestFromMessage('volume', 3), { code: 'E_INVALID_INPUT' });
    assert.throws(() => supplyRequestFromMessage('', 3), { code: 'E_INVALID_INPUT' });
    assert.throws(() => supplyRequestFromMessage('voltage', '3;*RST'), { code: 'E_INVALID_INPUT' });
    assert.throws(() => batteryRequestFromMessage('soc', 150), { code: 'E_OUT_OF_RANGE' });
  });
});

describe('safe order', () => {
  const present = { voltage: 5, current: 1, ovp: 6, ocp: 2 };

  test('raising: protection first, then the set point', () => {
    const steps = planSupply({ voltage: 12, ovp: 13 }, present);
    assert.deepEqual(steps, [
      { kind: 'set', key: 'ovp', value: 13 },
      { kind: 'set', key: 'voltage', value: 12 },
    ]);
  });

  test('lowering: set point first, then the protection', () => {
    const steps = planSupply({ voltage: 2, ovp: 3, current: 0.5, ocp: 0.6 }, present);
    assert.deepEqual(steps, [
      { kind: 'set', key: 'voltage', value: 2 },
      { kind: 'set', key: 'current', value: 0.5 },
      { kind: 'set', key: 'ovp', value: 3 },
      { kind: 'set', key: 'ocp', value: 0.6 },
    ]);
  });

  test('output off goes first, output on last, clear before the levels', () => {
    assert.deepEqual(planSupply({ output: false, clear: 'all' }, undefined), [
      { kind: 'output', on: false },
      { kind: 'clear', which: 'all' },
    ]);
    const on = planSupply({ output: true, voltage: 1 }, present);
    assert.deepEqual(on[on.length - 1], { kind: 'output', on: true });
  });

  test('a set point above its own protection is refused', () => {
    assert.throws(() => planSupply({ voltage: 7 }, present), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => planSupply({ ovp: 4 }, present), { code: 'E_OUT_OF_RANGE' });
    assert.throws(() => planSupply({ current: 3 }, present), { code: 'E_OUT_OF_RANGE' });
  });

  test('battery: settings refused while running are wrapped in output off / restore', () => {
    const batteryPresent = { ovp: 21, ocp: 6.1, currentLimit: 0.1, fullVoltage: 4.2, emptyVoltage: 3 };
    const running = planBattery({ capacity: 2 }, batteryPresent, true);
    assert.equal(running.restoresOutput, true);
    assert.deepEqual(running.steps, [
      { kind: 'output', on: false },
      { kind: 'set', key: 'capacity', value: 2 },
      { kind: 'output', on: true },
    ]);
    assert.equal(planBattery({ soc: 20 }, undefined, true).restoresOutput, false, 'SOC is live-adjustable');
    assert.equal(planBattery({ capacity: 2 }, batteryPresent, false).restoresOutput, false);
    const off = planBattery({ capacity: 2, output: false }, batteryPresent, true);
    assert.equal(off.restoresOutput, false, 'asked for off: not restored');
  });

  test('battery: full/empty written in the order that keeps full ≥ empty', () => {
    const batteryPresent = { ovp: 21, ocp: 6.1, currentLimit: 0.1, fullVoltage: 4.2, emptyVoltage: 3 };
    const up = planBattery({ fullVoltage: 8, emptyVoltage: 6 }, batteryPresent, false).steps.map((s) =>
      s.kind === 'set' ? s.key : s.kind,
    );
    assert.deepEqual(up, ['fullVoltage', 'emptyVoltage']);
    const down = planBattery({ fullVoltage: 2, emptyVoltage: 1 }, batteryPresent, false).steps.map((s) =>
      s.kind === 'set' ? s.key : s.kind,
    );
    assert.deepEqual(down, ['emptyVoltage', 'fullVoltage']);
    assert.throws(() => planBattery({ emptyVoltage: 5 }, batteryPresent, false), { code: 'E_OUT_OF_RANGE' });
  });
});

/**
 * Defect 7: `:BATT:OUTP?` may answer `2` / `DIS` (the third output state of the 2281S, disabled).
 * The parser accepts it, the battery state reports it (`output: false`, `outputState:
 * "disabled"`), and the simulator answers it after the output was set to DISable, as the
 * instrument would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOutputState } from '../../src/keithley/replies';
import { bench } from '../keithley/support';

test('the output reply parser knows the disabled state', () => {
  assert.equal(parseOutputState('1', ':BATT:OUTP?'), 'on');
  assert.equal(parseOutputState('ON', ':BATT:OUTP?'), 'on');
  assert.equal(parseOutputState('0', ':BATT:OUTP?'), 'off');
  assert.equal(parseOutputState('OFF\n', ':BATT:OUTP?'), 'off');
  assert.equal(parseOutputState('2', ':BATT:OUTP?'), 'disabled');
  assert.equal(parseOutputState('DIS', ':BATT:OUTP?'), 'disabled');
  assert.throws(() => parseOutputState('3', ':BATT:OUTP?'), { code: 'E_PROTOCOL' });
});

test('a disabled battery output reads as output false, outputState "disabled"; ON/OFF leave the state', async () => {
  const b = bench();
  try {
    const battery = b.client('keithley-battery "cell"');
    const started = await battery.applyBattery({ model: 'LI_ION4_2', soc: 80, output: true });
    assert.equal(started.state.output, true);
    assert.equal(started.state.outputState, 'on');
    // The instrument is put in its third state from outside (front panel, another program).
    for (const word of ['DIS', '2']) {
      await b.lease.transact((s) => s.write(`:BATT:OUTP ${word}`));
      assert.equal(await b.lease.transact((s) => s.query(':BATT:OUTP?')), '2');
      const state = await battery.readBatteryState();
      assert.equal(state.output, false);
      assert.equal(state.outputState, 'disabled');
    }
    const off = await battery.applyBattery({ output: false });
    assert.equal(off.state.outputState, 'off');
    const on = await battery.applyBattery({ output: true });
    assert.equal(on.state.outputState, 'on');
  } finally {
    await b.close();
  }
});

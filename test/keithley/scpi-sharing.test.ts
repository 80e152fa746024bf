/**
 * The 2281S driver beside free-form SCPI on the same session: a free-form transaction makes the
 * driver re-read its cached state (entry function, identity); none means no extra query. And the
 * state reads in one compound round trip, with the per-session fallback to single queries.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Keithley2281S } from '../../src/keithley/driver';
import { Simulated2281S } from '../../src/sim/keithley';
import { compileScpiTemplate, runScpiProgram, scpiProgramLines } from '../../src/visa/scpi-program';
import type { ScpiDeviceModel } from '../../src/visa/types';
import { testSimulators } from '../support/backends';
import { freshSerial, withBench } from './support';

const FUNCTION_QUERY = /^:ENTR:FUNC\?$/;
const SWITCHES = /^:ENTR:FUNC\s+\S/i;

function program(text: string): { lines: ReturnType<typeof scpiProgramLines> } {
  return { lines: scpiProgramLines(compileScpiTemplate(text), undefined) };
}

describe('free-form SCPI and the 2281S driver on one session', () => {
  test(':ENTR:FUNC SIM through runScpiProgram makes the next supply command switch back (:ENTR:FUNC POW)', async () => {
    await withBench(async (b) => {
      const supply = b.client('keithley-supply "PSU"');
      await supply.applySupply({ voltage: 2 });
      await runScpiProgram(b.lease, program(':ENTR:FUNC SIM'));
      assert.equal(b.sim.entryFunction, 'simulator');
      await supply.applySupply({ voltage: 3 });
      assert.deepEqual(b.sim.commandsMatching(SWITCHES), [':ENTR:FUNC SIM', ':ENTR:FUNC POW']);
      assert.equal(b.sim.entryFunction, 'power');
      assert.equal(b.sim.commandsMatching(/^\*IDN\?$/).length, 2, 'identity read again after free-form SCPI');
    });
  });

  test('without a free-form transaction in between, no extra query; with one (even a query), one re-read', async () => {
    await withBench(async (b) => {
      const supply = b.client('keithley-supply "PSU"');
      await supply.readSupplyState();
      const reads = b.sim.commandsMatching(FUNCTION_QUERY).length;
      await supply.readSupplyState();
      await supply.applySupply({ voltage: 1 });
      assert.equal(b.sim.commandsMatching(FUNCTION_QUERY).length, reads, 'no extra :ENTR:FUNC?');
      await runScpiProgram(b.lease, program('*IDN?'));
      await supply.readSupplyState();
      assert.equal(b.sim.commandsMatching(FUNCTION_QUERY).length, reads + 1);
      assert.deepEqual(b.sim.commandsMatching(SWITCHES), []);
    });
  });
});

describe('2281S state reads in compound round trips', () => {
  test('supply and battery state: one round trip each once the identity and function are known', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      const first = await supply.readSupplyState();
      let before = b.sim.messagesReceived;
      const state = await supply.readSupplyState();
      assert.equal(b.sim.messagesReceived - before, 1, 'supply state: one round trip');
      assert.deepEqual(Object.keys(state).sort(), Object.keys(first).sort());
      assert.equal(state.instrument.serial, first.instrument.serial);
      const battery = b.client('battery');
      await battery.readBatteryState();
      before = b.sim.messagesReceived;
      const cell = await battery.readBatteryState();
      assert.equal(b.sim.messagesReceived - before, 1, 'battery state: one round trip');
      assert.equal(typeof cell.soc, 'number');
      assert.equal(Keithley2281S.of(b.lease).compoundQueries, 'works');
    });
  });

  test('an instrument that answers a compound in another shape gets single queries, remembered per session', async () => {
    const serial = freshSerial('CMP');
    const inner = new Simulated2281S(serial);
    let messages = 0;
    let compounds = 0;
    // Answers only the first query of a compound message (a shape the driver must not trust).
    const model: ScpiDeviceModel = {
      execute: (message) => {
        messages++;
        const queries = message.split(';').filter((q) => q.includes('?'));
        if (queries.length > 1) {
          compounds++;
          return inner.execute(queries[0]);
        }
        return inner.execute(message);
      },
      deviceClear: () => inner.deviceClear(),
    };
    testSimulators.instruments.register('K2281CMP', () => model);
    try {
      await withBench({ resource: `SIM::K2281CMP::${serial}::INSTR`, serial }, async (b) => {
        const supply = b.client('supply');
        const first = await supply.readSupplyState();
        assert.equal(first.setpoint.voltage, inner.supply.voltage);
        assert.equal(compounds, 1);
        const before = messages;
        await supply.readSupplyState();
        assert.equal(messages - before, 8, 'eight single queries');
        assert.equal(compounds, 1, 'the compound is not tried again on this session');
        assert.equal(Keithley2281S.of(b.lease).compoundQueries, 'refused');
      });
    } finally {
      testSimulators.instruments.unregister('K2281CMP');
    }
  });
});

/**
 * The 2281S driver through the real stack: registry → acquireVisaSession → SIM:: transport →
 * simulated instrument. Sessions are counted by the registry's open events; commands by the
 * simulator's command log.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LabbenchError } from '../../src/core/errors';
import { supplyRequestFromMessage } from '../../nodes/shared/keithley-messages';
import { testSimulators } from '../support/backends';
import {
  BAD_BATTERY,
  BAD_SUPPLY,
  BATTERY_STATE_KEYS,
  SUPPLY_STATE_KEYS,
  freshSerial,
  withBench,
  type Bench,
} from './support';

const SWITCHES = /^:ENTR:FUNC\s+\S/i;

function hasCode(code: string, text?: string) {
  return (err: unknown): boolean => {
    const e = err as LabbenchError;
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (text !== undefined) assert.ok(e.message.includes(text), `message should name ${text}: ${e.message}`);
    return true;
  };
}

describe('one shared session for both roles', () => {
  test('supply, then battery, then supply: one session, :ENTR:FUNC only when the role changes', async () => {
    await withBench(async (b) => {
      // Two config nodes (two leases) on one instrument, as a supply node and a battery node.
      const supply = b.client('keithley-supply "PSU"');
      const battery = b.client('keithley-battery "Cell"', b.acquire(b.resource, 'labbench-visa "other"'));
      await supply.applySupply({ voltage: 5, current: 1 });
      await supply.readSupplyState();
      await supply.applySupply({ output: true });
      assert.deepEqual(b.sim.commandsMatching(SWITCHES), [], 'already in the supply function: no switch');
      await battery.applyBattery({ soc: 80 });
      await battery.readBatteryState();
      await battery.applyBattery({ method: 'static' });
      await supply.readSupplyState();
      await supply.applySupply({ voltage: 4 });
      assert.deepEqual(b.sim.commandsMatching(SWITCHES), [':ENTR:FUNC SIM', ':ENTR:FUNC POW']);
      assert.equal(b.opens(), 1, 'one session opened');
      assert.equal(b.sim.commandsMatching(/^\*IDN\?$/).length, 1, 'identity read once per driver');
      assert.equal(b.sim.entryFunction, 'power');
    });
  });

  test('switching away from a role turns that role’s output off first', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      const battery = b.client('battery');
      await supply.applySupply({ voltage: 2, output: true });
      b.sim.clearCommandLog();
      await battery.readBatteryState();
      assert.deepEqual(b.writes().slice(0, 2), [':OUTP OFF', ':ENTR:FUNC SIM']);
    });
  });

  test('two spellings of one SIM resource share one session', async () => {
    const serial = freshSerial('abc');
    await withBench({ resource: `SIM::2281S::${serial.toUpperCase()}::INSTR`, serial }, async (b) => {
      const other = b.acquire(`sim::2281s::${serial.toLowerCase()}::instr`);
      assert.ok(other.sharesResourceWith(b.lease), 'same shared resource');
      await b.client('a').applySupply({ voltage: 1 });
      await b.client('b', other).applyBattery({ soc: 50 });
      assert.equal(b.opens(), 1);
      assert.equal(testSimulators.keithley(serial.toLowerCase()), b.sim);
    });
  });
});

describe('roles', () => {
  test('a monitor in one role makes the other role fail with E_ROLE_CONFLICT naming the monitor', async () => {
    await withBench(async (b) => {
      const supply = b.client('keithley-supply "PSU"');
      const battery = b.client('keithley-battery "Cell"');
      await supply.readSupplyState();
      const stop = supply.startMonitor('supply', { id: 'n1', name: 'keithley-supply "PSU monitor"' });
      b.sim.clearCommandLog();
      await assert.rejects(
        battery.applyBattery({ soc: 50 }),
        hasCode('E_ROLE_CONFLICT', 'keithley-supply "PSU monitor"'),
      );
      await assert.rejects(
        battery.readBatteryState(),
        hasCode('E_ROLE_CONFLICT', 'keithley-supply "PSU monitor"'),
      );
      assert.throws(
        () => battery.startMonitor('battery', { id: 'n2', name: 'keithley-battery "Cell monitor"' }),
        hasCode('E_ROLE_CONFLICT', 'keithley-supply "PSU monitor"'),
      );
      assert.deepEqual(b.sim.commandLog, [], 'refused before anything reached the instrument');
      const state = await supply.readSupplyState({ monitor: true });
      assert.equal(state.instrument.model, '2281S-20-6', 'the monitored role keeps working');
      stop();
      await battery.applyBattery({ soc: 50 });
      assert.equal(b.sim.entryFunction, 'simulator', 'sequential use just works once the monitor stops');
    });
  });

  test('a monitor read never switches the entry function; it fails and says how to switch', async () => {
    await withBench(async (b) => {
      await b.client('battery').applyBattery({ soc: 70 });
      const supply = b.client('keithley-supply "PSU"');
      b.sim.clearCommandLog();
      await assert.rejects(
        supply.readSupplyState({ monitor: true }),
        hasCode('E_ROLE_CONFLICT', 'battery-simulator function'),
      );
      assert.deepEqual(b.sim.commandsMatching(SWITCHES), []);
      assert.equal(b.sim.entryFunction, 'simulator');
      await supply.readSupplyState();
      assert.equal(b.sim.entryFunction, 'power', 'a message-triggered read switches');
    });
  });

  test('a function changed behind the driver’s back (700) is re-read and the operation retried', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      await supply.readSupplyState();
      b.sim.entryFunction = 'simulator'; // someone pressed the front panel
      const state = await supply.applySupply({ voltage: 1.5 });
      assert.equal(state.setpoint.voltage, 1.5);
      assert.equal(b.sim.entryFunction, 'power');
      assert.equal(b.opens(), 1);
    });
  });
});

describe('cache clear and reconnect', () => {
  test('clear drops the driver but keeps the session; the next use re-reads identity and function', async () => {
    await withBench(async (b) => {
      const client = b.client('supply');
      await client.readSupplyState();
      assert.ok(client.driver, 'driver cached');
      const report = b.registry.clear(b.resource);
      assert.equal(report.drivers, 1);
      assert.deepEqual(report.kept, [b.lease.key]);
      assert.equal(client.driver, undefined);
      b.sim.clearCommandLog();
      await client.readSupplyState();
      assert.ok(
        b.sim.commandsMatching(/^:ENTR:FUNC\?$/).length === 1 &&
          b.sim.commandsMatching(/^\*IDN\?$/).length === 1,
      );
      assert.equal(b.opens(), 1, 'session kept');
      assert.equal(b.lease.state, 'open');
    });
  });

  test('clearAll closes the session; the next use reopens it and re-reads the function', async () => {
    await withBench(async (b) => {
      const client = b.client('supply');
      await client.readSupplyState();
      const report = await b.registry.clearAll(b.resource);
      assert.deepEqual(report.closed, [b.lease.key]);
      assert.equal(b.lease.state, 'closed');
      assert.equal(b.opens(), 1);
      b.sim.clearCommandLog();
      await client.readSupplyState();
      assert.equal(b.opens(), 2);
      assert.equal(b.sim.commandsMatching(/^:ENTR:FUNC\?$/).length, 1);
    });
  });

  test('a dropped link is replaced (old closed first), the operation retried once, the function re-read', async () => {
    await withBench(async (b) => {
      const client = b.client('supply');
      await client.applySupply({ voltage: 3 });
      const before = b.states.length;
      b.sim.dropConnection();
      b.sim.clearCommandLog();
      const state = await client.applySupply({ voltage: 4 });
      assert.equal(state.setpoint.voltage, 4);
      const after = b.states.slice(before);
      assert.ok(
        after.indexOf('closed') >= 0 && after.indexOf('closed') < after.indexOf('opening'),
        after.join(','),
      );
      assert.equal(b.opens(), 2);
      assert.equal(b.sim.commandsMatching(/^:ENTR:FUNC\?$/).length, 1, 'new session: function read again');
    });
  });
});

describe('bad input never reaches the instrument', () => {
  const roles = [
    {
      role: 'supply',
      cases: BAD_SUPPLY,
      apply: (b: Bench, p: unknown) => b.client('supply').applySupply(p as Record<string, unknown>),
    },
    {
      role: 'battery',
      cases: BAD_BATTERY,
      apply: (b: Bench, p: unknown) => b.client('battery').applyBattery(p as Record<string, unknown>),
    },
  ];
  for (const { role, cases, apply } of roles) {
    for (const [name, payload, code] of cases) {
      test(`${role}: ${name} → ${code}, command log empty`, async () => {
        await withBench(async (b) => {
          await assert.rejects(apply(b, payload), hasCode(code));
          assert.deepEqual(b.sim.commandLog, []);
          assert.equal(b.opens(), 0, 'not even opened');
        });
      });
    }
  }

  test('topic + scalar form refuses bad values before any I/O too', async () => {
    await withBench(async (b) => {
      assert.throws(() => supplyRequestFromMessage('voltage', '5\n*RST'), hasCode('E_INVALID_INPUT'));
      assert.throws(() => supplyRequestFromMessage('ovp', 30), hasCode('E_OUT_OF_RANGE'));
      assert.deepEqual(b.sim.commandLog, []);
    });
  });

  test('OVP below the present voltage set point is refused after reading, before any write', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      await supply.applySupply({ voltage: 10 });
      b.sim.clearCommandLog();
      await assert.rejects(supply.applySupply({ ovp: 5 }), hasCode('E_OUT_OF_RANGE', 'OVP 5 V'));
      assert.deepEqual(b.writes(), []);
      assert.equal(b.sim.supply.ovp, 21);
    });
  });
});

describe('supply operations', () => {
  test('state has exactly the keithley-supply state shape; CV, then CC under load', async () => {
    await withBench(async (b) => {
      b.sim.setLoad({ kind: 'resistance', ohms: 10 });
      const supply = b.client('supply');
      const cv = await supply.applySupply({ voltage: 5, current: 1, output: true });
      assert.deepEqual(Object.keys(cv).sort(), SUPPLY_STATE_KEYS);
      assert.deepEqual(
        { ...cv, timestamp: 0 },
        {
          voltage: 5,
          current: 0.5,
          power: 2.5,
          output: true,
          mode: 'CV',
          setpoint: { voltage: 5, current: 1 },
          ovp: { limit: 21, tripped: false },
          ocp: { limit: 6.1, tripped: false },
          instrument: { model: '2281S-20-6', serial: b.sim.serial },
          timestamp: 0,
        },
      );
      const cc = await supply.applySupply({ current: 0.2 });
      assert.equal(cc.mode, 'CC');
      assert.equal(cc.voltage, 2);
      const off = await supply.applySupply({ output: false });
      assert.equal(off.mode, 'OFF');
    });
  });

  test('safe order on the wire: limits raised before the set point, lowered after it', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      await supply.applySupply({ voltage: 5, ovp: 6, current: 1, ocp: 1.5 });
      b.sim.clearCommandLog();
      await supply.applySupply({ voltage: 10, ovp: 11, current: 2, ocp: 2.5 });
      assert.deepEqual(
        b.writes().filter((w) => w.startsWith(':SOUR1')),
        [':SOUR1:VOLT:PROT 11', ':SOUR1:CURR:PROT 2.5', ':SOUR1:VOLT 10', ':SOUR1:CURR 2'],
      );
      b.sim.clearCommandLog();
      await supply.applySupply({ voltage: 2, ovp: 3, current: 0.5, ocp: 0.6 });
      assert.deepEqual(
        b.writes().filter((w) => w.startsWith(':SOUR1')),
        [':SOUR1:VOLT 2', ':SOUR1:CURR 0.5', ':SOUR1:VOLT:PROT 3', ':SOUR1:CURR:PROT 0.6'],
      );
    });
  });

  test('trips are reported and cleared by kind', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      await supply.applySupply({ voltage: 1, output: true });
      b.sim.injectTrip('OVP');
      const tripped = await supply.readSupplyState();
      assert.deepEqual([tripped.ovp.tripped, tripped.ocp.tripped, tripped.output], [true, false, false]);
      b.sim.clearCommandLog();
      const stillTripped = await supply.applySupply({ clear: 'ocp' });
      assert.equal(stillTripped.ovp.tripped, true, 'an OCP clear leaves an OVP trip alone');
      assert.deepEqual(b.writes(), []);
      const cleared = await supply.applySupply({ clear: 'ovp', output: true });
      assert.deepEqual([cleared.ovp.tripped, cleared.output], [false, true]);
    });
  });

  test('a value the instrument refuses comes back as E_DEVICE_ERROR with its code', async () => {
    await withBench(async (b) => {
      const supply = b.client('supply');
      b.sim.supply.voltageLimit = 8; // :VOLT:LIM set on the front panel
      await assert.rejects(supply.applySupply({ voltage: 9 }), (err: unknown) => {
        const e = err as LabbenchError;
        return e.code === 'E_DEVICE_ERROR' && e.deviceCode === -222;
      });
      const state = await supply.readSupplyState();
      assert.equal(state.setpoint.voltage, 0, 'refused value not applied; session healthy afterwards');
    });
  });

  test('bare-number replies (no unit suffixes) parse to the same state', async () => {
    await withBench(async (b) => {
      b.sim.replyStyle = 'bare';
      b.sim.setLoad({ kind: 'resistance', ohms: 10 });
      const state = await b.client('supply').applySupply({ voltage: 5, current: 1, output: true });
      assert.equal(state.voltage, 5);
      const battery = await b
        .client('battery')
        .applyBattery({ model: 1, soc: 100, currentLimit: 1, output: true });
      assert.ok(battery.state.terminalVoltage > 0 && battery.state.current > 0);
    });
  });
});

describe('battery operations', () => {
  test('state has exactly the keithley-battery state shape; model recall verified; SOC falls in dynamic mode', async () => {
    await withBench(async (b) => {
      b.sim.setLoad({ kind: 'current', amps: 0.5 });
      const battery = b.client('battery');
      const { state } = await battery.applyBattery({
        model: 1,
        capacity: 1,
        currentLimit: 1,
        soc: 100,
        method: 'dynamic',
        output: true,
      });
      assert.deepEqual(Object.keys(state).sort(), BATTERY_STATE_KEYS);
      assert.equal(state.model, 1);
      assert.equal(state.method, 'dynamic');
      assert.equal(state.output, true);
      assert.equal(state.current, 0.5);
      assert.ok(state.terminalVoltage < state.voc, 'terminal voltage sags under load');
      b.sim.advanceTime(360_000); // 0.5 A × 0.1 h = 0.05 Ah of 1 Ah
      const later = await battery.readBatteryState();
      assert.ok(Math.abs(later.soc - 95) < 0.01, `soc ${later.soc}`);
      assert.ok(later.voc < state.voc);
      assert.ok(Math.abs(later.capacity - 0.95) < 1e-4);
    });
  });

  test('built-in model names are sent as firmware tokens and verified', async () => {
    await withBench(async (b) => {
      const { state } = await b.client('battery').applyBattery({ model: 'lead-acid12' });
      assert.equal(state.model, 'LEAD_ACID12');
      assert.deepEqual(b.sim.commandsMatching(/^:BATT:MOD:RCL /), [':BATT:MOD:RCL LEAD_ACID12']);
    });
  });

  test('settings refused while running: output off, write, restore (restoredOutput = true)', async () => {
    await withBench(async (b) => {
      const battery = b.client('battery');
      await battery.applyBattery({ model: 1, soc: 90, output: true });
      b.sim.clearCommandLog();
      const result = await battery.applyBattery({ capacity: 1.5, currentLimit: 0.5, esrOffset: 0.05 });
      assert.equal(result.restoredOutput, true);
      assert.equal(result.state.output, true);
      assert.equal(result.state.capacityLimit, 1.5);
      assert.equal(result.state.currentLimit, 0.5);
      const writes = b.writes().filter((w) => w !== ':INIT:CONT ON');
      assert.equal(writes[0], ':BATT:OUTP OFF');
      assert.equal(writes[writes.length - 1], ':BATT:OUTP ON');
      assert.deepEqual(b.sim.pendingErrors(), [], 'no 704 was provoked');
    });
  });

  test('live settings (SOC, Voc) are written without stopping the simulation', async () => {
    await withBench(async (b) => {
      const battery = b.client('battery');
      await battery.applyBattery({ model: 1, output: true });
      b.sim.clearCommandLog();
      const result = await battery.applyBattery({ soc: 40 });
      assert.equal(result.restoredOutput, false);
      assert.deepEqual(b.writes(), [':BATT:SIM:SOC 40']);
    });
  });

  test('an empty slot fails verification (E_VERIFY) and the running output is restored', async () => {
    await withBench(async (b) => {
      const battery = b.client('battery');
      await battery.applyBattery({ model: 2, output: true });
      await assert.rejects(battery.applyBattery({ model: 7 }), hasCode('E_VERIFY', 'slot 7'));
      assert.equal(b.sim.battery.output, true, 'output back on');
      assert.equal(b.sim.battery.model.id, 2);
    });
  });

  test('output: false with a locked setting: switched off, not restored', async () => {
    await withBench(async (b) => {
      const battery = b.client('battery');
      await battery.applyBattery({ output: true });
      const result = await battery.applyBattery({ output: false, ocp: 2 });
      assert.equal(result.restoredOutput, false);
      assert.equal(result.state.output, false);
      assert.equal(result.state.ocp.limit, 2);
    });
  });

  test('battery trips are reported and cleared', async () => {
    await withBench(async (b) => {
      const battery = b.client('battery');
      await battery.applyBattery({ output: true });
      b.sim.injectTrip('OCP');
      const tripped = await battery.readBatteryState();
      assert.deepEqual([tripped.ocp.tripped, tripped.output], [true, false]);
      const cleared = await battery.applyBattery({ clear: 'all' });
      assert.equal(cleared.state.ocp.tripped, false);
    });
  });
});

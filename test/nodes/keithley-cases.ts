/** keithley-supply / keithley-battery cases of the node suite, on the simulated 2281S. */
import { labbenchBackends } from '../../nodes/shared/backends';
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FakeClock } from '../../src/core/clock';
import { collect, settle, statuses, until, useClock, type FlowNode, type Harness } from './harness';
import {
  catchFlow,
  deploy,
  expectOneCatch,
  keithleyBattery,
  keithleySupply,
  send,
  sim2281SConfig,
  sink,
  visaConfig,
  type CaseContext,
} from './flows';

type State = Record<string, unknown> & { setpoint: { voltage: number; current: number }; output: boolean };

export function keithleyCases(ctx: CaseContext): void {
  /**
   * Deploys `nodes` with a fresh simulated 2281S behind the config node `visa` (2 s timeout) and
   * the sinks `out` and `out2`.
   */
  async function on2281S(prefix: string, ...nodes: FlowNode[]): Promise<{ h: Harness; serial: string }> {
    const h = ctx.h();
    const serial = ctx.unique(prefix);
    await deploy(h, catchFlow(sim2281SConfig(serial, { name: 'K1' }), ...nodes, sink(), sink('out2')));
    return { h, serial };
  }

  describe('keithley-supply', () => {
    it('applies an object payload and sends the state', async () => {
      const { h, serial } = await on2281S('KS', keithleySupply({ name: 'PSU' }));
      const out = collect(h, 'out');
      send(h, 'ks', { payload: { voltage: 5, current: 1, output: true } });
      await until(() => out.length === 1, 'state');
      const state = out[0].payload as State;
      assert.equal(out[0].topic, 'PSU/state');
      assert.equal(state.setpoint.voltage, 5);
      assert.equal(state.setpoint.current, 1);
      assert.equal(state.output, true);
      assert.ok(['CV', 'CC'].includes(state.mode as string));
      assert.equal(typeof state.voltage, 'number');
      assert.equal(state.power, (state.voltage as number) * (state.current as number));
      assert.deepEqual(Object.keys(state.ovp as object).sort(), ['limit', 'tripped']);
      assert.equal((state.instrument as { serial: string }).serial, serial.toUpperCase());
    });

    it('takes topic + scalar (dashboard controls) and sends one message per value', async () => {
      const { h } = await on2281S('KS', keithleySupply({ name: 'PSU', output: 'perValue' }));
      const out = collect(h, 'out');
      send(h, 'ks', { topic: 'voltage', payload: 3.3 });
      await until(() => out.length === 3, 'three values');
      assert.deepEqual(
        out.map((m) => m.topic),
        ['PSU/voltage', 'PSU/current', 'PSU/power'],
      );
      for (const m of out) assert.equal(typeof m.payload, 'number');
    });

    it('refuses out-of-range and invalid values before anything reaches the instrument', async () => {
      const { h, serial } = await on2281S('KS', keithleySupply());
      const sim = labbenchBackends().simulators.keithley(serial);
      const before = sim.commandLog.length;
      const out = collect(h, 'out');
      await expectOneCatch(h, 'ks', { payload: { voltage: 50 } }, 'E_OUT_OF_RANGE');
      assert.equal(sim.commandLog.length, before, 'no command reached the instrument');
      assert.equal(out.length, 0);
    });

    it('refuses a non-number with E_INVALID_INPUT', async () => {
      const { h } = await on2281S('KS', keithleySupply());
      await expectOneCatch(h, 'ks', { payload: { voltage: '5; *RST' } }, 'E_INVALID_INPUT');
      await expectOneCatch(h, 'ks', { topic: 'volts', payload: 5 }, 'E_INVALID_INPUT');
    });

    /** Instruments the supply cannot open: its first request fails, once, in Catch. */
    const unusable: { test: string; visa: FlowNode | null; code: string }[] = [
      {
        test: 'reports an unknown simulated instrument with E_NOT_FOUND',
        visa: visaConfig('SIM::NOSUCH::X1::INSTR', 500),
        code: 'E_NOT_FOUND',
      },
      {
        test: 'reports a config node with a malformed resource string with E_INVALID_INPUT',
        visa: visaConfig('USB0::nonsense', 500),
        code: 'E_INVALID_INPUT',
      },
      { test: 'reports a missing instrument config with E_NOT_FOUND', visa: null, code: 'E_NOT_FOUND' },
    ];
    for (const { test, visa, code } of unusable) {
      it(test, async () => {
        const h = ctx.h();
        const supply = keithleySupply({ instrument: visa ? 'visa' : '', wires: [[]] });
        await deploy(h, catchFlow(...(visa ? [visa] : []), supply));
        await expectOneCatch(h, 'ks', { topic: 'state' }, code);
      });
    }

    it('maps an instrument that stops answering to E_TIMEOUT', async () => {
      const h = ctx.h();
      const serial = ctx.unique('KS');
      await deploy(h, catchFlow(sim2281SConfig(serial, { timeout: 150 }), keithleySupply({ wires: [[]] })));
      labbenchBackends().simulators.keithley(serial).setReplyDelay(1000);
      await expectOneCatch(h, 'ks', { topic: 'state' }, 'E_TIMEOUT');
      labbenchBackends().simulators.keithley(serial).setReplyDelay(0);
    });

    it('maps an unplugged instrument to E_DISCONNECTED (or E_NOT_FOUND on reopen), then recovers', async () => {
      const { h, serial } = await on2281S('KS', keithleySupply());
      const out = collect(h, 'out');
      send(h, 'ks', { topic: 'state' });
      await until(() => out.length === 1, 'first state');
      const sim = labbenchBackends().simulators.keithley(serial);
      sim.unplug();
      const error = await expectOneCatch(h, 'ks', { topic: 'state' }, 'E_DISCONNECTED');
      assert.match(error.message, /SIM::2281S/);
      sim.replug();
      send(h, 'ks', { topic: 'state' });
      await until(() => out.length === 2, 'state after replug');
    });

    it('reports an instrument held by another program with E_BUSY after the open retries, then recovers', async () => {
      const { h, serial } = await on2281S('KS', keithleySupply());
      const sim = labbenchBackends().simulators.keithley(serial);
      sim.failOpensWithBusy(5); // the first open and its four retries (sharing rule 7, docs/design.md)
      await expectOneCatch(h, 'ks', { topic: 'state' }, 'E_BUSY');
      const out = collect(h, 'out');
      send(h, 'ks', { topic: 'state' });
      await until(() => out.length === 1, 'state once the other holder let go');
      assert.equal(sim.openSessions, 1);
    });

    it('starts and stops monitoring at run time ({monitor:true|false})', async () => {
      const clock = new FakeClock();
      useClock(ctx.h(), clock);
      const { h } = await on2281S('KS', keithleySupply({ name: 'PSU', monitor: 100 }));
      const out = collect(h, 'out');
      const seen = statuses(h, 'ks');
      await clock.advance(0); // the monitor started at deploy ticks at once…
      await until(() => out.length >= 1, 'first monitor message');
      await clock.advance(100); // …and every period
      await until(() => out.length >= 2, 'second monitor message');
      send(h, 'ks', { payload: { monitor: false } });
      await until(() => seen.some((s) => s.text === 'idle'), 'monitor stopped');
      const frozen = out.length;
      assert.equal(clock.pendingTimers, 0, 'no tick is scheduled any more');
      await clock.advance(1000); // ten periods
      assert.equal(out.length, frozen, 'no message after {monitor:false}');
      send(h, 'ks', { topic: 'monitor', payload: true });
      await until(() => clock.pendingTimers > 0, 'monitor restarted');
      await clock.advance(0);
      await until(() => out.length >= frozen + 1, 'first message of the restarted monitor');
      await clock.advance(100);
      await until(() => out.length >= frozen + 2, 'second message of the restarted monitor');
      for (const m of out) assert.equal(m.topic, 'PSU/state');
    });
  });

  describe('keithley-battery', () => {
    it('applies settings, restoring the output when the instrument needs it off', async () => {
      const { h } = await on2281S('KB', keithleyBattery({ name: 'Cell' }));
      const out = collect(h, 'out');
      send(h, 'kb', { payload: { model: 'LI_ION4_2', soc: 80, method: 'dynamic', output: true } });
      await until(() => out.length === 1, 'first state');
      const s1 = out[0].payload as Record<string, unknown>;
      assert.equal(out[0].topic, 'Cell/state');
      assert.equal(s1.output, true);
      assert.equal(s1.method, 'dynamic');
      for (const k of [
        'terminalVoltage',
        'current',
        'soc',
        'voc',
        'esr',
        'capacity',
        'capacityLimit',
        'model',
        'currentLimit',
        'ovp',
        'ocp',
        'instrument',
        'timestamp',
      ]) {
        assert.ok(k in s1, `state has ${k}`);
      }
      send(h, 'kb', { payload: { capacity: 2.5 } });
      await until(() => out.length === 2, 'second state');
      assert.equal(out[1].restoredOutput, true);
      assert.equal((out[1].payload as Record<string, unknown>).capacityLimit, 2.5);
      assert.equal((out[1].payload as Record<string, unknown>).output, true);
      send(h, 'kb', { topic: 'soc', payload: 50 });
      await until(() => out.length === 3, 'third state');
      assert.equal(out[2].restoredOutput, false);
    });

    it('refuses an out-of-range SOC with E_OUT_OF_RANGE', async () => {
      const { h } = await on2281S('KB', keithleyBattery());
      await expectOneCatch(h, 'kb', { payload: { soc: 150 } }, 'E_OUT_OF_RANGE');
      await expectOneCatch(h, 'kb', { payload: { method: 'wobbly' } }, 'E_INVALID_INPUT');
    });

    it('reports what the instrument refuses with E_DEVICE_ERROR (Voc outside the model, SCPI -222)', async () => {
      const { h } = await on2281S('KB', keithleyBattery());
      const error = await expectOneCatch(h, 'kb', { payload: { voc: 19 } }, 'E_DEVICE_ERROR');
      assert.match(error.message, /-222/);
    });

    it('fails with E_VERIFY when the instrument does not load the model (empty slot)', async () => {
      const { h, serial } = await on2281S('KB', keithleyBattery());
      labbenchBackends().simulators.keithley(serial).clearSlot(4);
      await expectOneCatch(h, 'kb', { payload: { model: 4 } }, 'E_VERIFY');
    });
  });

  describe('keithley queue', () => {
    it('answers every message exactly once: a state or one Catch message (E_QUEUE_FULL beyond the bound)', async () => {
      const { h, serial } = await on2281S('KQ', keithleySupply());
      const out = collect(h, 'out');
      const caught = collect(h, 'caught');
      labbenchBackends().simulators.keithley(serial).setReplyDelay(2);
      const total = 100;
      for (let i = 0; i < total; i++) send(h, 'ks', { topic: 'state', seq: i });
      await until(() => out.length + caught.length >= total, 'every message answered', 60_000);
      await settle();
      labbenchBackends().simulators.keithley(serial).setReplyDelay(0);
      assert.equal(out.length + caught.length, total);
      const seqs = new Set([...out, ...caught].map((m) => m.seq));
      assert.equal(seqs.size, total, 'no message answered twice');
      assert.ok(caught.length > 0, 'the bounded queue refused some');
      for (const c of caught) assert.equal((c.error as { code: string }).code, 'E_QUEUE_FULL');
    });
  });

  describe('supply and battery on one 2281S', () => {
    it('work one after the other (no monitor): the instrument is switched as needed', async () => {
      const { h, serial } = await on2281S('KR', keithleySupply(), keithleyBattery({ wires: [['out2']] }));
      const out = collect(h, 'out');
      const out2 = collect(h, 'out2');
      send(h, 'ks', { payload: { voltage: 4 } });
      await until(() => out.length === 1, 'supply state');
      send(h, 'kb', { payload: { soc: 60 } });
      await until(() => out2.length === 1, 'battery state');
      send(h, 'ks', { topic: 'state' });
      await until(() => out.length === 2, 'supply state again');
      const sim = labbenchBackends().simulators.keithley(serial);
      assert.equal(
        sim.commandsMatching(/^:?ENTR/i).filter((c) => !c.includes('?')).length,
        2,
        'two switches, not one per command',
      );
    });

    it('a monitoring supply makes the battery fail with E_ROLE_CONFLICT, once', async () => {
      const { h } = await on2281S(
        'KR',
        keithleySupply({ name: 'PSU', monitor: 200 }),
        keithleyBattery({ name: 'Cell', wires: [['out2']] }),
      );
      const out = collect(h, 'out');
      await until(() => out.length >= 1, 'supply monitoring');
      const error = await expectOneCatch(h, 'kb', { payload: { soc: 50 } }, 'E_ROLE_CONFLICT');
      assert.match(error.message, /PSU/);
    });

    it('a monitoring battery makes a supply monitor fail with E_ROLE_CONFLICT', async () => {
      const { h } = await on2281S(
        'KR',
        keithleyBattery({ name: 'Cell', wires: [['out2']] }),
        keithleySupply({ name: 'PSU' }),
      );
      const out2 = collect(h, 'out2');
      send(h, 'kb', { payload: { monitor: true, soc: 70 } });
      await until(() => out2.length >= 2, 'battery monitoring');
      await expectOneCatch(h, 'ks', { payload: { monitor: true } }, 'E_ROLE_CONFLICT');
    });
  });
}

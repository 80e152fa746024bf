/**
 * Node statuses and repeating failures, on the injected clock: ticks happen when a test advances
 * the FakeClock, never on wall-clock time, so "the same text on every tick" and "Catch once" are
 * counted tick by tick.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FakeClock } from '../../src/core/clock';
import { labbenchBackends } from '../../nodes/shared/backends';
import { collect, holdPort, settle, statuses, until, useClock, type FlowNode, type Harness } from './harness';
import {
  cacheClear,
  catchFlow,
  deploy,
  keithleyBattery,
  keithleySupply,
  send,
  sim2281S,
  sim2281SConfig,
  simSerialPort,
  sink,
  watlowController,
  watlowPoll,
  type CaseContext,
  type Msg,
} from './flows';

type Status = Record<string, unknown> & { text?: string; fill?: string };
export function statusCases(ctx: CaseContext): void {
  /** Deploys an interval poll `poll` (period 100 on a FakeClock) of controller `w1` on a fresh bus. */
  async function intervalPoll(
    prefix: string,
    poll: Partial<FlowNode>,
    opts: { address?: number } = {},
  ): Promise<{ h: Harness; bus: string; clock: FakeClock; seen: Status[]; out: Msg[]; caught: Msg[] }> {
    const h = ctx.h();
    const clock = new FakeClock();
    useClock(h, clock);
    const bus = ctx.unique(prefix);
    await deploy(
      h,
      catchFlow(
        simSerialPort(bus, '1', { timeout: 100, retries: 0 }),
        watlowController('w1', 'Oven1', opts.address ?? 1),
        watlowPoll({ interval: 100, ...poll }),
        sink(),
      ),
    );
    return { h, bus, clock, seen: statuses(h, 'poll'), out: collect(h, 'out'), caught: collect(h, 'caught') };
  }

  /** A status a poll sets from its result (a value or a failure), not a resource-state one. */
  const fromPoll = (s: Status): boolean => s.fill === 'red' || /°F/.test(String(s.text));

  /** Advances `ms` and waits until the tick due then has shown its result. */
  async function nextTick(clock: FakeClock, seen: Status[], ms = 100): Promise<Status> {
    const before = seen.filter(fromPoll).length;
    await clock.advance(ms);
    await until(() => seen.filter(fromPoll).length > before, 'the status of the tick');
    await settle(0); // a recovery notice follows the tick's own status in the same turn
    const shown = seen.filter(fromPoll);
    return shown[shown.length - 1];
  }

  describe('statuses', () => {
    it('a failing interval poll shows one stable text and reaches Catch once', async () => {
      // address 3: no controller answers, every tick times out
      const { clock, seen, caught } = await intervalPoll('st', {}, { address: 3 });
      const texts: string[] = [];
      texts.push(String((await nextTick(clock, seen, 0)).text));
      for (let i = 0; i < 4; i++) texts.push(String((await nextTick(clock, seen)).text));
      await settle();
      const afterFirst = seen.slice(seen.findIndex((s) => s.fill === 'red'));
      assert.deepEqual(
        [...new Set(afterFirst.map((s) => `${s.fill}/${s.text}`))],
        ['red/timeout'],
        `one text for the condition, got ${JSON.stringify(seen)}`,
      );
      assert.equal(texts.length, 5);
      assert.equal(caught.length, 1, 'the repeating failure reached Catch once');
      assert.equal((caught[0].error as { code: string }).code, 'E_POLL_FAILED');
    });

    it('a cleared failure shows the recovery, sends one recovery message, and Catch saw it once', async () => {
      const { bus, clock, seen, out, caught } = await intervalPoll('sr', {
        recovery: true,
        output: 'perPoll',
      });
      const sim = labbenchBackends().simulators.watlow.bus(bus);
      await nextTick(clock, seen, 0);
      await until(() => out.length === 1, 'first poll');
      sim.unplug();
      await nextTick(clock, seen);
      await nextTick(clock, seen);
      await until(() => caught.length === 1, 'the failure in Catch');
      sim.replug();
      const recovered = await nextTick(clock, seen);
      assert.match(String(recovered.text), /\(recovered\)$/);
      assert.equal(recovered.fill, 'green');
      await until(() => out.some((m) => m.topic === 'Oven1/recovered'), 'recovery message');
      const notice = out.filter((m) => m.topic === 'Oven1/recovered');
      assert.equal(notice.length, 1);
      const payload = notice[0].payload as Record<string, unknown>;
      assert.equal(payload.recovered, true);
      assert.equal(payload.code, 'E_POLL_FAILED');
      assert.equal(payload.failures, 2, 'two ticks failed');
      assert.equal(typeof payload.since, 'number');
      const next = await nextTick(clock, seen);
      assert.doesNotMatch(String(next.text), /recovered/, 'the notice shows once');
      await settle();
      assert.equal(caught.length, 1);
    });

    it('no recovery message unless asked (the default)', async () => {
      const { bus, clock, seen, out, caught } = await intervalPoll('sn', { output: 'perPoll' });
      const sim = labbenchBackends().simulators.watlow.bus(bus);
      sim.unplug();
      await nextTick(clock, seen, 0);
      await until(() => caught.length === 1, 'the failure in Catch');
      sim.replug();
      const recovered = await nextTick(clock, seen);
      assert.match(String(recovered.text), /\(recovered\)$/);
      await settle();
      assert.equal(out.filter((m) => String(m.topic).endsWith('/recovered')).length, 0);
      assert.equal(out.length, 1, 'only the values of the good poll');
    });

    it('"(n skipped)" counts the ticks a slow poll overlapped, and clears after it', async () => {
      const { h, clock, seen } = await intervalPoll('sk', {}, {});
      await nextTick(clock, seen, 0);
      // Hold the port with a transaction of our own: the next poll queues behind it.
      const hold = holdPort(h, 'w1');
      const before = seen.filter(fromPoll).length;
      await clock.advance(100); // this tick starts the poll, which waits for the port…
      await clock.advance(100); // …and these three find it running
      await clock.advance(100);
      await clock.advance(100);
      await hold.release();
      await until(() => seen.filter(fromPoll).length > before, 'the held poll finished');
      assert.match(String(seen[seen.length - 1].text), /\(3 skipped\)$/);
      const next = await nextTick(clock, seen);
      assert.doesNotMatch(String(next.text), /skipped/, 'cleared once a poll ran without overlap');
    });

    it('one number of decimals per unit within a node', async () => {
      const { h, bus } = await (async () => {
        const h2 = ctx.h();
        const b = ctx.unique('sd');
        await deploy(
          h2,
          catchFlow(
            simSerialPort(b, '1', { timeout: 100, retries: 0 }),
            watlowController('w1', 'Oven1', 1),
            watlowPoll({ parameters: [{ parameter: 'setPoint', instance: 1 }] }),
            sink(),
          ),
        );
        return { h: h2, bus: b };
      })();
      const seen = statuses(h, 'poll');
      const out = collect(h, 'out');
      const controller = labbenchBackends().simulators.watlow.bus(bus).controller(1);
      controller.set('setPoint', 73);
      send(h, 'poll', { payload: 1 });
      await until(() => out.length === 1, 'first value');
      controller.set('setPoint', 72.55);
      send(h, 'poll', { payload: 2 });
      await until(() => out.length === 2, 'second value');
      const texts = seen.filter((s) => /°F/.test(String(s.text))).map((s) => String(s.text));
      assert.deepEqual(texts, ['73.0 °F', texts[1]]);
      assert.match(texts[1], /^72\.[56] °F$/);
    });

    it('the battery node drops its reading when the supply node takes the instrument', async () => {
      const h = ctx.h();
      const serial = ctx.unique('SB');
      await deploy(
        h,
        catchFlow(
          sim2281SConfig(serial),
          keithleySupply(),
          keithleyBattery({ wires: [['out2']] }),
          sink(),
          sink('out2'),
        ),
      );
      const battery = statuses(h, 'kb');
      const out = collect(h, 'out');
      const out2 = collect(h, 'out2');
      send(h, 'kb', { payload: { soc: 60 } });
      await until(() => out2.length === 1, 'battery state');
      assert.equal(battery[battery.length - 1].fill, 'green');
      send(h, 'ks', { payload: { voltage: 4 } });
      await until(() => out.length === 1, 'supply state');
      assert.deepEqual(battery[battery.length - 1], {
        fill: 'grey',
        shape: 'ring',
        text: 'instrument in supply mode',
      });
    });

    it('cache-clear counts in words that agree with the number ("1 driver", "2 drivers")', async () => {
      const h = ctx.h();
      const serial = ctx.unique('SP');
      await deploy(h, catchFlow(sim2281SConfig(serial), keithleySupply(), cacheClear(), sink()));
      const seen = statuses(h, 'cc');
      const out = collect(h, 'out');
      send(h, 'ks', { topic: 'state' });
      await until(() => out.length === 1, 'state (the driver is cached)');
      send(h, 'cc', { target: sim2281S(serial) });
      await until(() => out.length === 2, 'cache-clear report');
      assert.equal((out[1].payload as { drivers: number }).drivers, 1);
      assert.equal(seen[seen.length - 1].text, '1 driver dropped');
      send(h, 'cc', { target: sim2281S(serial) });
      await until(() => out.length === 3, 'second report');
      assert.equal(seen[seen.length - 1].text, '0 drivers dropped');
    });
  });
}

/**
 * Deploys, redeploys and config-level events: one OS handle per port whatever the deploy type,
 * no queued message lost, roles released by restarted monitors, port state on every user node.
 */
import { labbenchBackends } from '../../nodes/shared/backends';
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { resourceKey } from '../../src/core';
import { answers, collect, openCount, statuses, until, type FlowNode } from './harness';
import {
  catchFlow,
  deploy,
  expectOneCatch,
  keithleyBattery,
  keithleySupply,
  send,
  sim2281S,
  sim2281SConfig,
  simSerialPort,
  sink,
  watlowController,
  watlowPoll,
  watlowWrite,
  type CaseContext,
} from './flows';

export function redeployCases(ctx: CaseContext): void {
  /** Controller 1 on a simulated bus, polled by `poll` (named `pollName`) into `out`, plus `extra`. */
  function watlowFlow(bus: string, pollName: string, extra: FlowNode[] = []): FlowNode[] {
    return catchFlow(
      simSerialPort(bus, '1,2', { timeout: 500, retries: 0 }),
      watlowController('w1', 'Oven1', 1),
      watlowPoll({ name: pollName }),
      sink(),
      ...extra,
    );
  }

  describe('redeploys', () => {
    for (const type of ['nodes', 'full'] as const) {
      it(`a "${type}" redeploy keeps one OS handle per port and session, and answers every queued message`, async () => {
        const h = ctx.h();
        const bus = ctx.unique(`rd${type}`);
        const serial = ctx.unique(`RD${type}`);
        const key = resourceKey(`sim:${bus}`);
        const flow = (name: string) =>
          watlowFlow(bus, name, [
            sim2281SConfig(serial),
            keithleySupply({ name, wires: [['out2']], x: 1, y: 1 }),
            { ...sink('out2'), x: 1, y: 2 },
          ]);
        await deploy(h, flow('before'));
        const out = collect(h, 'out');
        const out2 = collect(h, 'out2');
        send(h, 'poll', { payload: 0 });
        send(h, 'ks', { topic: 'state' });
        await until(() => out.length === 1 && out2.length === 1, 'first poll and first state');
        assert.equal(openCount(key).opened, 1);
        const sim = labbenchBackends().simulators.keithley(serial);
        assert.equal(sim.sessionsOpened, 1);

        labbenchBackends().simulators.watlow.bus(bus).turnaroundMs = 3;
        sim.setReplyDelay(1);
        const oldPoll = answers(h, 'poll');
        const oldSupply = answers(h, 'ks');
        const queued = 20;
        for (let i = 0; i < queued; i++) {
          send(h, 'poll', { payload: i });
          send(h, 'ks', { topic: 'state', seq: i });
        }
        // Redeploy (the poll and the supply are modified) while the messages wait in the queues.
        await h.helper.setFlows(flow('after'), type);
        await until(
          () => oldPoll.sends + oldPoll.errors === queued && oldSupply.sends + oldSupply.errors === queued,
          'every queued message answered',
        );
        assert.equal(oldPoll.errors + oldSupply.errors, 0, 'no queued message failed');
        labbenchBackends().simulators.watlow.bus(bus).turnaroundMs = 0;
        sim.setReplyDelay(0);

        const fresh = collect(h, 'out');
        const fresh2 = collect(h, 'out2');
        send(h, 'poll', { payload: 'after' });
        send(h, 'ks', { topic: 'state' });
        await until(() => fresh.length >= 1 && fresh2.length >= 1, 'poll and state after the redeploy');
        const c = openCount(key);
        assert.equal(c.maxOpen, 1, 'never two handles on the port');
        assert.equal(c.open, 1);
        assert.equal(sim.openSessions, 1, 'one session open on the instrument');
        if (type === 'nodes') {
          assert.equal(c.opened, 1, 'a modified-nodes deploy neither closes nor reopens the port');
          assert.equal(c.closed, 0);
          assert.equal(sim.sessionsOpened, 1, 'nor the instrument session');
        } else {
          // The config node's own close releases; the new one reopens (never overlapping).
          assert.ok(c.opened <= 2 && sim.sessionsOpened <= 2);
          console.log(
            `# full deploy: port opened ${c.opened}x closed ${c.closed}x; 2281S sessions opened ${sim.sessionsOpened}x`,
          );
        }
      });
    }

    it('removing the last user releases the port at once', async () => {
      const h = ctx.h();
      const bus = ctx.unique('rm');
      const key = resourceKey(`sim:${bus}`);
      await deploy(h, watlowFlow(bus, 'p'));
      const out = collect(h, 'out');
      send(h, 'poll', { payload: 0 });
      await until(() => out.length === 1, 'first poll');
      const withoutPoll = watlowFlow(bus, 'p').filter((n) => n.id !== 'poll');
      await h.helper.setFlows(withoutPoll, 'nodes');
      await until(() => openCount(key).closed === 1, 'port closed');
      assert.equal(openCount(key).open, 0);
    });

    it('a restarted monitoring supply releases its role and keeps one session', async () => {
      const h = ctx.h();
      const serial = ctx.unique('RD');
      const key = resourceKey(sim2281S(serial));
      const flow = (name: string): FlowNode[] =>
        catchFlow(
          sim2281SConfig(serial),
          keithleySupply({ name, monitor: 100 }),
          keithleyBattery({ name: 'Cell', wires: [['out2']] }),
          sink(),
          sink('out2'),
        );
      await deploy(h, flow('PSU'));
      const out = collect(h, 'out');
      await until(() => out.length >= 1, 'monitoring');
      await h.helper.setFlows(flow('PSU2'), 'nodes');
      const after = collect(h, 'out');
      await until(
        () => after.length >= 2 && after.every((m) => m.topic === 'PSU2/state'),
        'new instance monitoring',
      );
      // the role is still held (by the new instance only): stop it, and the battery may run
      const caught = collect(h, 'caught');
      const seen = statuses(h, 'ks');
      send(h, 'ks', { payload: { monitor: false } });
      // the node shows idle once it has stopped its monitor and released the role
      await until(() => seen.some((s) => s.text === 'idle'), 'monitor stopped');
      const out2 = collect(h, 'out2');
      send(h, 'kb', { payload: { soc: 55 } });
      await until(() => out2.length === 1, 'battery works once the monitor stopped');
      assert.equal(caught.length, 0);
      const c = openCount(key);
      assert.equal(c.opened, 1);
      assert.equal(c.maxOpen, 1);
      // …and as the simulated instrument counts them
      assert.equal(labbenchBackends().simulators.keithley(serial).sessionsOpened, 1);
      assert.equal(labbenchBackends().simulators.keithley(serial).openSessions, 1);
    });
  });

  describe('config-level events', () => {
    it('a lost port shows on every user node, and a write fails with E_DISCONNECTED once', async () => {
      const h = ctx.h();
      const bus = ctx.unique('lost');
      await deploy(
        h,
        watlowFlow(bus, 'p', [
          watlowController('w2', 'Oven2', 2),
          watlowPoll({ id: 'poll2', controller: 'w2', x: 1, y: 1 }),
          watlowWrite({ parameter: 'setPoint', x: 1, y: 2 }),
        ]),
      );
      const out = collect(h, 'out');
      send(h, 'poll', { payload: 0 });
      send(h, 'poll2', { payload: 0 });
      await until(() => out.length === 2, 'both polled');
      const seen2 = statuses(h, 'poll2');
      labbenchBackends().simulators.watlow.bus(bus).unplug();
      await expectOneCatch(h, 'wr', { payload: 100 }, 'E_DISCONNECTED');
      assert.ok(
        seen2.some((s) => s.fill === 'red' && s.shape === 'ring' && s.text === 'disconnected'),
        `poll2 was told: ${JSON.stringify(seen2)}`,
      );
      labbenchBackends().simulators.watlow.bus(bus).replug();
      send(h, 'poll2', { payload: 1 });
      await until(() => out.length === 3, 'recovered after replug');
    });
  });
}

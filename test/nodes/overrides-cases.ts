/**
 * Defect 3: every message into watlow-poll ends in an output or in exactly one Catch, whatever its
 * overrides say. An empty msg.controllers is E_INVALID_INPUT naming the known controllers (with a
 * chosen controller and with "all controllers"); the other override shapes are checked the same way.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { labbenchBackends } from '../../nodes/shared/backends';
import { collect, settle, until } from './harness';
import {
  catchFlow,
  deploy,
  expectOneCatch,
  send,
  simSerialPort,
  sink,
  watlowController,
  watlowPoll,
  type CaseContext,
} from './flows';

export function overrideCases(ctx: CaseContext): void {
  async function onBus(prefix: string, controller: string): Promise<{ bus: string }> {
    const bus = ctx.unique(prefix);
    await deploy(
      ctx.h(),
      catchFlow(
        simSerialPort(bus, '1,2', { timeout: 100, retries: 0 }),
        watlowController('w1', 'Oven1', 1, { wordOrder: 'lowHigh', map: 1 }),
        watlowController('w2', 'Oven2', 2, { wordOrder: 'lowHigh', map: 1 }),
        watlowPoll({ controller }),
        sink(),
      ),
    );
    return { bus };
  }

  describe('watlow-poll message overrides', () => {
    for (const [label, controller] of [
      ['a chosen controller', 'w1'],
      ['all controllers', ''],
    ] as const) {
      it(`msg.controllers = [] with ${label}: exactly one Catch, E_INVALID_INPUT naming the known controllers`, async () => {
        const { bus } = await onBus('ov', controller);
        const h = ctx.h();
        const sim = labbenchBackends().simulators.watlow.bus(bus);
        const before = sim.transactionCount;
        const out = collect(h, 'out');
        const caught = await expectOneCatch(h, 'poll', { controllers: [] }, 'E_INVALID_INPUT');
        assert.match(caught.message, /msg\.controllers is empty/);
        assert.match(caught.message, /"Oven1"/);
        if (controller === '') assert.match(caught.message, /"Oven2"/);
        assert.equal(out.length, 0);
        assert.equal(sim.transactionCount, before, 'nothing was sent');
      });
    }

    it('the other override shapes: each message ends in one output or one Catch', async () => {
      await onBus('ow', '');
      const h = ctx.h();
      // A plain string is one controller name (kept for dashboard text inputs; documented).
      const out = collect(h, 'out');
      send(h, 'poll', { controllers: 'Oven2' });
      await until(() => out.length === 1, 'one value for the string override');
      await settle();
      assert.equal(out.length, 1);
      assert.equal(out[0].controller, 'Oven2');
      // Wrong types and empty lists are refused before any I/O.
      for (const bad of [
        { controllers: [1] },
        { controllers: {} },
        { controllers: [''] },
        { parameters: [] },
        { parameters: 'processValue' },
        { parameters: {} },
      ]) {
        const code =
          'controllers' in bad && Array.isArray(bad.controllers) && bad.controllers[0] === ''
            ? 'E_NOT_FOUND'
            : 'E_INVALID_INPUT';
        await expectOneCatch(h, 'poll', bad, code);
      }
    });
  });
}

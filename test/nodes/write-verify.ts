/**
 * Two watlow-write nodes writing one parameter of one controller, with a watlow-poll between
 * them, through the real Node-RED runtime: each write reads back its own value and no Catch
 * reports E_VERIFY, because a verified write holds the port for the write and its read-back. The
 * port is held while the three requests queue, so their order is fixed without any timing.
 */
import { strict as assert } from 'node:assert';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Lease } from '../../src/core/registry';
import { collect, createHarness, settle, until, type FlowNode, type Harness } from './harness';
import {
  catchFlow,
  deploy,
  send,
  simSerialPort,
  sink,
  watlowController,
  watlowPoll,
  watlowWrite,
  type Msg,
} from './flows';

interface ConfigNode {
  keeper: { use<T>(fn: (lease: Lease) => Promise<T>): Promise<T> };
}

export function defineWriteVerify(runtimeName: 'node-red' | 'node-red-5'): void {
  describe(`watlow-write verification on ${runtimeName}: two writers of one parameter`, () => {
    let h: Harness;
    let seq = 0;
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): number => crashes.push(err);
    before(() => {
      h = createHarness(runtimeName);
      process.on('unhandledRejection', onCrash);
      process.on('uncaughtException', onCrash);
    });
    afterEach(async () => {
      await h.helper.unload();
    });
    after(() => {
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
      assert.deepEqual(crashes.map(String), []);
    });

    const controllers: Record<'stdbus' | 'modbus', Partial<FlowNode>> = {
      stdbus: {},
      modbus: { protocol: 'modbus', wordOrder: 'lowHigh', map: 1 },
    };
    for (const [protocol, settings] of Object.entries(controllers)) {
      it(`${protocol}: both writes read back their own value, the poll between sees the first, no E_VERIFY`, async () => {
        const bus = `wv${process.pid}x${++seq}`;
        await deploy(
          h,
          catchFlow(
            simSerialPort(bus, '1', { timeout: 500, retries: 2 }),
            watlowController('w1', 'Oven1', 1, settings),
            watlowWrite({ id: 'wr1' }),
            watlowWrite({ id: 'wr2' }),
            watlowPoll({ parameters: [{ parameter: 'setPoint', instance: 1 }] }),
            sink(),
          ),
        );
        const out = collect(h, 'out');
        const caught = collect(h, 'caught');
        // Hold the port, as a transaction of the controller's own lease, while the requests queue.
        let release = (): void => undefined;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let lease: Lease | undefined;
        const w1 = h.helper.getNode('w1') as unknown as ConfigNode;
        const holding = w1.keeper.use((held) => {
          lease = held;
          return held.transact(() => gate, { timeoutMs: 0 });
        });
        const queued = (n: number): Promise<void> =>
          until(() => lease !== undefined && lease.queueLength === n, `${n} request(s) queued`);
        send(h, 'wr1', { payload: 100 });
        await queued(1);
        send(h, 'poll', { payload: 'go' });
        await queued(2);
        send(h, 'wr2', { payload: 200 });
        await queued(3);
        release();
        await holding;
        await until(() => out.length + caught.length >= 3, 'three answers');
        await settle();
        assert.deepEqual(
          caught.map((m) => (m.error as { code?: string; message?: string }).message),
          [],
          'no Catch',
        );
        assert.deepEqual(
          out.map((m: Msg) => `${String(m.topic)}=${String(m.payload)}`),
          ['Oven1/setPoint=100', 'Oven1/setPoint=100', 'Oven1/setPoint=200'],
        );
      });
    }
  });
}

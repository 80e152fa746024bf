/**
 * A verified write is ONE transaction of the port: the write, its read-back and (Std Bus, a
 * parameter of unknown type) the read that learns the type follow each other with nothing from
 * another master between. Two writes to one parameter queued together, as two nodes or two
 * messages queue them, each read back their own value; a poll queued between them waits for the
 * first write's read-back. The port is held while the requests queue, so their order is fixed
 * without any timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceRegistry } from '../../src/core/registry';
import type { WatlowController, WatlowReading } from '../../src/watlow/controller';
import { WatlowManager } from '../../src/watlow/manager';
import type { AddControllerOptions } from '../../src/watlow/manager';
import { createOpeners } from '../../src/transport/default-openers';
import { serveBusAsModbusGateway } from '../../src/sim/modbus/gateway';
import { makeTempDir, PtyPair, requireSocat, startSimulatorCli } from '../support/pty';
import { addUncataloguedU8, bench, withBench } from './helpers';

interface Race {
  /** What each request came back with; a failure as its code and text. */
  values: unknown[];
  /** Who settled, in order, with how many requests the device had seen by then (if counted). */
  order: string[];
}

/**
 * Holds the port, queues `oven`'s write of `values[0]`, `oven`'s read and `twin`'s write of
 * `values[1]` to `parameter` (in that order), then lets the port go and waits for all three.
 */
async function race(
  oven: WatlowController,
  twin: WatlowController,
  options: {
    parameter?: string | number;
    values?: readonly [unknown, unknown];
    requests?: () => number;
  } = {},
): Promise<Race> {
  const { parameter = 'setPoint', values = [100, 200], requests } = options;
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holding = oven.lease.transact(() => gate, { timeoutMs: 0 });
  const order: string[] = [];
  const track = (name: string, work: Promise<WatlowReading>): Promise<WatlowReading> => {
    const note = (): void => {
      order.push(requests ? `${name}@${requests()}` : name);
    };
    work.then(note, note);
    return work;
  };
  const work = [
    track('first write', oven.write(parameter, values[0])),
    track('poll', oven.read(parameter)),
    track('second write', twin.write(parameter, values[1])),
  ];
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(oven.lease.queueLength, 3, 'both writes and the poll wait for the port');
  release();
  await holding;
  const outcomes = await Promise.allSettled(work);
  await new Promise((resolve) => setImmediate(resolve));
  return {
    order,
    values: outcomes.map((o) =>
      o.status === 'fulfilled'
        ? o.value.value
        : `${(o.reason as { code?: string }).code}: ${(o.reason as Error).message}`,
    ),
  };
}

/** Controller 1 of the port twice, as two config nodes for one unit: two masters of the line. */
function twoMasters(
  manager: WatlowManager,
  options: Omit<AddControllerOptions, 'address'>,
): [WatlowController, WatlowController] {
  return [manager.add('oven', { ...options, address: 1 }), manager.add('twin', { ...options, address: 1 })];
}

for (const protocol of ['stdbus', 'modbus'] as const) {
  test(`${protocol}: two verified writes of one parameter queued together each read back their own value`, async () => {
    await withBench(undefined, async (b) => {
      const [oven, twin] = twoMasters(b.manager, { port: `sim:${b.busName}`, protocol });
      const { values, order } = await race(oven, twin, { requests: () => b.bus.transactionCount });
      assert.deepEqual(values, [100, 100, 200], 'no false E_VERIFY');
      assert.equal(b.bus.controller(1).get('setPoint'), 200, 'the last write wins');
      // Write + read-back, the poll, write + read-back: nothing between a write and its read-back.
      assert.deepEqual(order, ['first write@2', 'poll@3', 'second write@5']);
    });
  });
}

test('Std Bus: the read that learns an unknown parameter type shares the write transaction', async () => {
  await withBench(undefined, async (b) => {
    // A device with a parameter outside the catalogue (3002, u8): the client learns its type.
    const stored = addUncataloguedU8(b.bus.controller(1), 3002, 7);
    const oven = b.add('oven');
    const { values, order } = await race(oven, oven, {
      parameter: 3002,
      values: [3, 5],
      requests: () => b.bus.transactionCount,
    });
    assert.deepEqual(values, [3, 3, 5]);
    assert.equal(stored(), 5);
    // Learn + write + read-back, the poll, write + read-back (the type is known by then).
    assert.deepEqual(order, ['first write@3', 'poll@4', 'second write@6']);
  });
});

test('Modbus TCP gateway (MBAP over loopback): the write and its read-back share one transaction', async () => {
  const b = bench();
  const gateway = await serveBusAsModbusGateway(b.bus, { host: '127.0.0.1', port: 0 });
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: createOpeners() });
  try {
    const line = { replyTimeoutMs: 500, retries: 0 };
    const [oven, twin] = twoMasters(manager, { port: gateway.url, protocol: 'modbus', line });
    const { values, order } = await race(oven, twin, { requests: () => gateway.forwarded });
    assert.deepEqual(values, [100, 100, 200], 'no false E_VERIFY');
    assert.deepEqual(order, ['first write@2', 'poll@3', 'second write@5']);
  } finally {
    await manager.close();
    await registry.closeAll();
    await gateway.close();
    await b.close();
  }
});

test('over a real PTY: queued writes of one parameter never fail verification (Std Bus, then Modbus)', async (t) => {
  if (!requireSocat(t)) return;
  const pty = await PtyPair.start(makeTempDir('labbench-verify-pty-'));
  const sim = await startSimulatorCli(['watlow', '--serial', pty.b, '--addresses', '1']);
  try {
    for (const protocol of ['stdbus', 'modbus'] as const) {
      const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
      const manager = new WatlowManager({ registry, openers: createOpeners() });
      try {
        const line = { replyTimeoutMs: 500, retries: 2 };
        const [oven, twin] = twoMasters(manager, { port: pty.a, protocol, line });
        const { values, order } = await race(oven, twin, { values: [101.5, 202.5] });
        assert.deepEqual(values, [101.5, 101.5, 202.5], `${protocol}: no false E_VERIFY`);
        assert.deepEqual(
          order,
          ['first write', 'poll', 'second write'],
          `${protocol}: the poll waits for the first write's read-back`,
        );
      } finally {
        await manager.close();
        await registry.closeAll();
      }
    }
  } finally {
    await sim.stop();
    await pty.stop();
  }
});

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
import { createOpeners } from '../../src/transport/default-openers';
import { serveBusAsModbusGateway } from '../../src/sim/modbus/gateway';
import { makeTempDir, PtyPair, requireSocat, startSimulatorCli } from '../support/pty';
import { bench } from './helpers';

interface Race {
  /** Who settled, in order, and how many requests the bus had answered by then (if known). */
  settled: { name: string; requests: number | undefined }[];
  outcomes: PromiseSettledResult<WatlowReading>[];
}

/**
 * Holds the port, queues `first`'s write, `poller`'s read and `second`'s write of one parameter
 * (in that order), then lets the port go and waits for all three.
 */
async function race(
  parameter: string | number,
  [firstValue, secondValue]: readonly [unknown, unknown],
  first: WatlowController,
  poller: WatlowController,
  second: WatlowController,
  requests?: () => number,
): Promise<Race> {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holding = first.lease.transact(() => gate, { timeoutMs: 0 });
  const settled: Race['settled'] = [];
  const track = (name: string, work: Promise<WatlowReading>): Promise<WatlowReading> => {
    const note = (): void => {
      settled.push({ name, requests: requests?.() });
    };
    work.then(note, note);
    return work;
  };
  const work = [
    track('first write', first.write(parameter, firstValue)),
    track('poll', poller.read(parameter)),
    track('second write', second.write(parameter, secondValue)),
  ];
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(first.lease.queueLength, 3, 'both writes and the poll wait for the port');
  release();
  await holding;
  const outcomes = await Promise.allSettled(work);
  await new Promise((resolve) => setImmediate(resolve));
  return { settled, outcomes };
}

/** The values the three requests came back with; a failure is shown by its code and text. */
function valuesOf(outcomes: Race['outcomes']): unknown[] {
  return outcomes.map((o) =>
    o.status === 'fulfilled'
      ? o.value.value
      : `${(o.reason as { code?: string }).code}: ${(o.reason as Error).message}`,
  );
}

for (const protocol of ['stdbus', 'modbus'] as const) {
  test(`${protocol}: two verified writes of one parameter queued together each read back their own value`, async () => {
    const b = bench();
    try {
      const oven = b.add('oven', { protocol });
      // A second config node for the same unit: another master of the port as far as the line goes.
      const twin = b.add('twin', { protocol });
      const { settled, outcomes } = await race(
        'setPoint',
        [100, 200],
        oven,
        oven,
        twin,
        () => b.bus.transactionCount,
      );
      assert.deepEqual(valuesOf(outcomes), [100, 100, 200], 'no false E_VERIFY');
      assert.equal(b.bus.controller(1).get('setPoint'), 200, 'the last write wins');
      // Write + read-back, the poll, write + read-back: nothing between a write and its read-back.
      assert.deepEqual(settled, [
        { name: 'first write', requests: 2 },
        { name: 'poll', requests: 3 },
        { name: 'second write', requests: 5 },
      ]);
    } finally {
      await b.close();
    }
  });
}

test('Std Bus: the read that learns an unknown parameter type shares the write transaction', async () => {
  const b = bench();
  try {
    // A device with a parameter outside the catalogue (3002, u8): the client learns its type.
    const sim = b.bus.controller(1);
    const originalRead = sim.read.bind(sim);
    const originalWrite = sim.write.bind(sim);
    let stored = 7;
    sim.read = (id, instance) =>
      id === 3002 ? { ok: true, type: 'u8', value: stored } : originalRead(id, instance);
    sim.write = (id, instance, value) => {
      if (id !== 3002) return originalWrite(id, instance, value);
      stored = value as number;
      return { ok: true, type: 'u8', value: stored };
    };
    const oven = b.add('oven');
    const { settled, outcomes } = await race(3002, [3, 5], oven, oven, oven, () => b.bus.transactionCount);
    assert.deepEqual(valuesOf(outcomes), [3, 3, 5]);
    assert.equal(stored, 5);
    // Learn + write + read-back, the poll, write + read-back (the type is known by then).
    assert.deepEqual(
      settled.map((s) => `${s.name}@${s.requests}`),
      ['first write@3', 'poll@4', 'second write@6'],
    );
  } finally {
    await b.close();
  }
});

test('Modbus TCP gateway (MBAP over loopback): the write and its read-back share one transaction', async () => {
  const b = bench();
  const gateway = await serveBusAsModbusGateway(b.bus, { host: '127.0.0.1', port: 0 });
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: createOpeners() });
  try {
    const line = { replyTimeoutMs: 500, retries: 0 };
    const oven = manager.add('oven', { port: gateway.url, protocol: 'modbus', address: 1, line });
    const twin = manager.add('twin', { port: gateway.url, protocol: 'modbus', address: 1, line });
    const { settled, outcomes } = await race(
      'setPoint',
      [100, 200],
      oven,
      oven,
      twin,
      () => gateway.forwarded,
    );
    assert.deepEqual(valuesOf(outcomes), [100, 100, 200], 'no false E_VERIFY');
    assert.deepEqual(
      settled.map((s) => `${s.name}@${s.requests}`),
      ['first write@2', 'poll@3', 'second write@5'],
    );
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
        const oven = manager.add('oven', { port: pty.a, protocol, address: 1, line });
        const twin = manager.add('twin', { port: pty.a, protocol, address: 1, line });
        const { settled, outcomes } = await race('setPoint', [101.5, 202.5], oven, oven, twin);
        assert.deepEqual(valuesOf(outcomes), [101.5, 101.5, 202.5], `${protocol}: no false E_VERIFY`);
        assert.deepEqual(
          settled.map((s) => s.name),
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

/** Sharing rule 4 (docs/design.md): one transaction at a time, FIFO, bounded queue, per-transaction timeout. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../src/core/clock';
import { LabbenchError, TimeoutError } from '../../src/core/errors';
import { ResourceRegistry } from '../../src/core/registry';
import { deferred, FakeOpener, outcome, settle } from '../support/fake-handle';
import { fixture, KEY } from '../support/registry-fixture';

describe('FIFO lock', () => {
  test('transactions never overlap and run in the order they were sent', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    const other = f.registry.acquire(f.spec('b'));
    const trace: string[] = [];
    let active = 0;
    let maxActive = 0;
    // Longer work first: if they overlapped, the short ones would finish first.
    const durations = [50, 40, 30, 20, 10, 0];
    const runs = durations.map((ms, i) =>
      (i % 2 === 0 ? lease : other).transact(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        trace.push(`start${i}`);
        await sleep(f.clock, ms);
        trace.push(`end${i}`);
        active--;
        return i;
      }),
    );
    await f.clock.advance(1000);
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4, 5]);
    assert.equal(maxActive, 1);
    assert.deepEqual(
      trace,
      durations.flatMap((_, i) => [`start${i}`, `end${i}`]),
    );
  });

  test('a failing transaction does not stop the queue, and its error is typed', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    const first = outcome(
      lease.transact(async () => {
        throw new Error('CRC mismatch');
      }),
    );
    const second = lease.transact(async () => 'ok');
    assert.equal(await second, 'ok');
    await first.done;
    assert.ok(first.error instanceof LabbenchError);
    assert.equal((first.error as LabbenchError).code, 'E_PROTOCOL', 'foreign errors are mapped');
    assert.equal((first.error as LabbenchError).resource, '/dev/ttyFAKE0');
    assert.equal(f.opener.opens, 1, 'an ordinary failure does not replace the handle');
    assert.deepEqual(f.events, ['open#1']);
  });

  test('bounded queue: one in flight + maxQueue waiting, the next fails at once with E_QUEUE_FULL', async () => {
    const f = fixture({ maxQueue: 2 });
    const lease = f.registry.acquire(f.spec('a'));
    const gate = deferred();
    const ran: number[] = [];
    const inFlight = lease.transact(async () => {
      ran.push(1);
      await gate.promise;
    });
    await settle();
    const queued = [2, 3].map((n) => lease.transact(async () => void ran.push(n)));
    const refused = outcome(
      lease.transact(async () => void ran.push(4), { label: 'read 4001 from address 1' }),
    );
    await settle();
    assert.ok(refused.settled, 'refused at once, not after the queue drains');
    assert.ok(refused.error instanceof LabbenchError);
    assert.equal((refused.error as LabbenchError).code, 'E_QUEUE_FULL');
    assert.equal((refused.error as LabbenchError).name, 'QueueFullError');
    assert.match(
      (refused.error as Error).message,
      /2 requests are already waiting.*read 4001 from address 1/,
    );
    assert.equal(lease.queueLength, 2);
    gate.resolve();
    await Promise.all([inFlight, ...queued]);
    assert.deepEqual(ran, [1, 2, 3], 'the refused one never ran');
    // Room again once the queue has drained.
    assert.equal(await lease.transact(async () => 'again'), 'again');
  });

  test('a timeout fails only that transaction (E_TIMEOUT), aborts its signal, and the queue moves on', async () => {
    const f = fixture({ transactionTimeoutMs: 1000 });
    const lease = f.registry.acquire(f.spec('a'));
    let seenSignal: AbortSignal | undefined;
    const stuck = outcome(
      lease.transact(
        (_h, signal) => {
          seenSignal = signal;
          return new Promise<never>(() => undefined); // never answers, ignores the signal
        },
        { timeoutMs: 100, label: 'read setpoint' },
      ),
    );
    const next = outcome(lease.transact(async (_h, signal) => (signal.aborted ? 'aborted!' : 'next ran')));
    await f.clock.advance(99);
    assert.equal(stuck.settled, false, 'not before its timeout');
    assert.equal(seenSignal?.aborted, false);
    assert.equal(next.settled, false, 'the next one waits its turn');
    await f.clock.advance(1);
    await stuck.done;
    assert.ok(stuck.error instanceof TimeoutError, String(stuck.error));
    assert.equal((stuck.error as TimeoutError).code, 'E_TIMEOUT');
    assert.match((stuck.error as Error).message, /read setpoint on \/dev\/ttyFAKE0 took longer than 100 ms/);
    assert.equal(seenSignal?.aborted, true, 'the abandoned work is told to stop');
    assert.equal(seenSignal?.reason, stuck.error);
    await next.done;
    assert.equal(next.value, 'next ran');
    assert.equal(f.opener.opens, 1, 'a timeout is not a reason to reopen');
  });

  test('the timeout counts from the start of the transaction, not from when it was queued', async () => {
    const f = fixture({ transactionTimeoutMs: 100 });
    const lease = f.registry.acquire(f.spec('a'));
    const first = lease.transact(() => sleep(f.clock, 90));
    const second = outcome(lease.transact(() => sleep(f.clock, 90)));
    await f.clock.advance(180);
    await first;
    await second.done;
    assert.equal(second.error, undefined, 'queued 90 ms + ran 90 ms, but ran < 100 ms');
    assert.deepEqual(f.clock.requestedDelays.filter((d) => d === 100).length, 2);
  });

  test('the default transaction timeout applies when none is given', async () => {
    const f = fixture({ transactionTimeoutMs: 250 });
    const lease = f.registry.acquire(f.spec('a'));
    const stuck = outcome(lease.transact(() => new Promise<never>(() => undefined)));
    await f.clock.advance(250);
    await stuck.done;
    assert.equal((stuck.error as LabbenchError).code, 'E_TIMEOUT');
  });

  test('timeoutMs: Infinity means no limit (a Node timer would fire after 1 ms)', async () => {
    const events: string[] = [];
    const opener = new FakeOpener(events);
    const registry = new ResourceRegistry({ log: () => undefined }); // system clock on purpose
    const lease = registry.acquire({ key: KEY, label: 'x', holder: 'a', open: opener.open });
    const value = await lease.transact(
      () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 30)),
      { timeoutMs: Infinity },
    );
    assert.equal(value, 'done');
    await registry.closeAll();
  });
});

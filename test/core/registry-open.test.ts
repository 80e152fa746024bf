/** Sharing rule 7 (docs/design.md): an open that reports busy is retried after 0.2, 0.5, 1.0 and 2.0 s, then E_BUSY. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../src/core/errors';
import { DEFAULT_OPEN_RETRY_DELAYS_MS } from '../../src/core/registry';
import { osError, outcome, within } from '../support/fake-handle';
import { fixture } from '../support/registry-fixture';

const busy = (): Error => osError('EBUSY', 'EBUSY: resource busy or locked');

describe('open with retry on busy', () => {
  test('the default schedule is 0.2, 0.5, 1.0, 2.0 s', () => {
    assert.deepEqual([...DEFAULT_OPEN_RETRY_DELAYS_MS], [200, 500, 1000, 2000]);
  });

  test('always busy: 5 attempts at 0, 0.2, 0.7, 1.7, 3.7 s, then E_BUSY naming the port', async () => {
    const f = fixture({ fallback: busy() });
    const lease = f.registry.acquire(f.spec('a'));
    const opened = outcome(lease.open());
    await f.clock.advance(3699);
    assert.equal(opened.settled, false, 'still retrying before the last attempt');
    assert.equal(f.opener.attempts, 4);
    await f.clock.advance(1);
    await opened.done;
    assert.equal(f.opener.attempts, 5);
    assert.deepEqual(f.opener.attemptTimes, [0, 200, 700, 1700, 3700]);
    assert.deepEqual(f.clock.requestedDelays, [200, 500, 1000, 2000]);
    const err = opened.error as LabbenchError;
    assert.ok(err instanceof LabbenchError, String(err));
    assert.equal(err.code, 'E_BUSY');
    assert.equal(err.name, 'BusyError');
    assert.match(err.message, /\/dev\/ttyFAKE0 is busy/);
    assert.match(err.message, /Tried 5 times/);
    assert.equal(lease.state, 'closed');
    // No sixth attempt creeps in later.
    await f.clock.advance(60_000);
    assert.equal(f.opener.attempts, 5);
  });

  test('success on a later attempt: the transaction runs on that handle', async () => {
    const f = fixture({ steps: [busy(), busy(), busy()] });
    const lease = f.registry.acquire(f.spec('a'));
    const result = outcome(lease.transact(async (h) => h.id));
    await f.clock.advance(1700);
    await result.done;
    assert.equal(result.value, 1);
    assert.deepEqual(f.opener.attemptTimes, [0, 200, 700, 1700]);
    assert.deepEqual(f.events, ['open-failed:EBUSY', 'open-failed:EBUSY', 'open-failed:EBUSY', 'open#1']);
  });

  test('a serial lock held elsewhere ("Cannot lock port", no code) counts as busy', async () => {
    const f = fixture({ steps: [new Error('Error Resource temporarily unavailable Cannot lock port')] });
    const lease = f.registry.acquire(f.spec('a'));
    const opened = outcome(lease.open());
    await f.clock.advance(200);
    await opened.done;
    assert.equal(opened.error, undefined);
    assert.equal(f.opener.attempts, 2);
  });

  test('other open failures are not retried: ENOENT → E_NOT_FOUND at once', async () => {
    const f = fixture({
      steps: [osError('ENOENT', 'ENOENT: no such file or directory, open /dev/ttyFAKE0')],
    });
    const lease = f.registry.acquire(f.spec('a'));
    await assert.rejects(lease.open(), { code: 'E_NOT_FOUND', name: 'NotFoundError' });
    assert.equal(f.opener.attempts, 1);
    assert.deepEqual(f.clock.requestedDelays, []);
    // The next use tries again (the resource is not poisoned).
    assert.equal(await lease.transact(async (h) => h.id), 1);
  });

  test('callers waiting on one open share it: one attempt sequence, not one per caller', async () => {
    const f = fixture({ steps: [busy()] });
    const a = f.registry.acquire(f.spec('a'));
    const b = f.registry.acquire(f.spec('b'));
    const all = outcome(Promise.all([a.open(), b.open(), a.open()]));
    await f.clock.advance(200);
    await all.done;
    assert.equal(all.error, undefined);
    assert.equal(f.opener.attempts, 2);
    assert.equal(f.opener.opens, 1);
  });

  test('the schedule is configurable', async () => {
    const f = fixture({ fallback: busy(), openRetryDelaysMs: [10, 20] });
    const lease = f.registry.acquire(f.spec('a'));
    const opened = outcome(lease.open());
    await f.clock.advance(30);
    await opened.done;
    assert.equal((opened.error as LabbenchError).code, 'E_BUSY');
    assert.deepEqual(f.opener.attemptTimes, [0, 10, 30]);
  });

  test('teardown during the busy retries stops them at once (E_CLOSED), without waiting the schedule out', async () => {
    const f = fixture({ fallback: busy() });
    const lease = f.registry.acquire(f.spec('a'));
    const opened = outcome(lease.open());
    await f.clock.advance(250); // two attempts made, waiting 0.5 s for the third
    assert.equal(f.opener.attempts, 2);
    const teardown = outcome(f.registry.closeAll());
    // The fake clock does not move here: if teardown waited for the schedule, this would hang.
    await within(opened.done, 'open after teardown');
    await within(teardown.done, 'closeAll');
    assert.deepEqual(teardown.value, []);
    assert.equal((opened.error as LabbenchError).code, 'E_CLOSED');
    await f.clock.advance(10_000);
    assert.equal(f.opener.attempts, 2, 'no attempt after teardown');
    assert.equal(f.clock.pendingTimers, 0);
  });
});

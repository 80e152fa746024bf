/** Sharing rule 8 (docs/design.md): a handle whose device went away is closed before a new one opens; retried once. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../src/core/errors';
import type { FakeHandle } from '../support/fake-handle';
import { osError, outcome } from '../support/fake-handle';
import { fixture } from '../support/registry-fixture';

describe('stale handle replacement during a transaction', () => {
  for (const code of ['EIO', 'ENODEV', 'ECONNRESET']) {
    test(`${code}: old handle closed BEFORE the new one opens, transaction retried once and succeeds`, async () => {
      const f = fixture();
      const lease = f.registry.acquire(f.spec('a'));
      await lease.transact(async () => f.events.push('tx0 on #1'));
      const calls: number[] = [];
      const value = await lease.transact(async (h: FakeHandle) => {
        calls.push(h.id);
        f.events.push(`tx1 on #${h.id}`);
        if (h.id === 1) throw osError(code);
        return 'answer';
      });
      assert.equal(value, 'answer');
      assert.deepEqual(calls, [1, 2], 'run once on the old handle, once on the new');
      assert.deepEqual(f.events, ['open#1', 'tx0 on #1', 'tx1 on #1', 'close#1', 'open#2', 'tx1 on #2']);
      assert.equal(lease.state, 'open');
    });
  }

  test('fails again on the new handle → E_DISCONNECTED; retried only once; the next use reopens', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    let calls = 0;
    const failed = outcome(
      lease.transact(async () => {
        calls++;
        throw osError('EIO', 'EIO: i/o error, write');
      }),
    );
    await failed.done;
    const err = failed.error as LabbenchError;
    assert.ok(err instanceof LabbenchError, String(err));
    assert.equal(err.code, 'E_DISCONNECTED');
    assert.equal(err.name, 'DisconnectedError');
    assert.match(err.message, /\/dev\/ttyFAKE0/);
    assert.equal(calls, 2);
    assert.deepEqual(
      f.events,
      ['open#1', 'close#1', 'open#2', 'close#2'],
      'the dead new handle is dropped too',
    );
    assert.equal(lease.state, 'closed');
    assert.equal(await lease.transact(async (h) => h.id), 3, 'next use opens a fresh handle');
  });

  test('the device is gone for good: reopen fails (ENOENT) → E_DISCONNECTED, and stays so until it is back', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    await lease.open();
    f.opener.push(osError('ENOENT', 'ENOENT: no such file'), osError('ENOENT', 'ENOENT: no such file'));
    let calls = 0;
    const fn = async (h: FakeHandle): Promise<number> => {
      calls++;
      if (h.id === 1) throw osError('EIO');
      return h.id;
    };
    await assert.rejects(lease.transact(fn), { code: 'E_DISCONNECTED', message: /went away/ });
    assert.equal(calls, 1, 'no handle to retry on');
    assert.deepEqual(f.events, ['open#1', 'close#1', 'open-failed:ENOENT']);
    await assert.rejects(
      lease.transact(fn),
      { code: 'E_DISCONNECTED' },
      'still gone: still "disconnected", not "not found"',
    );
    assert.equal(await lease.transact(fn), 2, 'device back: works again');
  });

  test('ordinary errors (not device-gone) do not replace the handle and are not retried', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    let calls = 0;
    await assert.rejects(
      lease.transact(async () => {
        calls++;
        throw osError('ETIMEDOUT', 'no answer');
      }),
      { code: 'E_PROTOCOL' },
    );
    assert.equal(calls, 1);
    assert.deepEqual(f.events, ['open#1']);
  });

  test('a typed E_DISCONNECTED from a protocol client also triggers replacement', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    const { DisconnectedError } = await import('../../src/core/errors');
    const v = await lease.transact(async (h: FakeHandle) => {
      if (h.id === 1) throw new DisconnectedError('socket closed by peer');
      return h.id;
    });
    assert.equal(v, 2);
    assert.deepEqual(f.events, ['open#1', 'close#1', 'open#2']);
  });
});

describe('a handle that dies between transactions', () => {
  test('is dropped at once (state closed, E_DISCONNECTED), closed, and replaced on next use', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    const states: [string, string | undefined][] = [];
    lease.onState((s, err) => states.push([s, err?.code]));
    await lease.open();
    const first = f.opener.handles[0];
    first.die(osError('EIO', 'read EIO'));
    assert.ok(
      states.some(([s, code]) => s === 'closed' && code === 'E_DISCONNECTED'),
      `status shows the loss: ${JSON.stringify(states)}`,
    );
    assert.equal(await lease.transact(async (h) => h.id), 2);
    assert.deepEqual(
      f.events,
      ['open#1', 'close#1', 'open#2'],
      'the dead handle is closed (fd, lock) before reopening',
    );
    assert.equal(first.closeListenerCount, 0, 'no listener left on the dead handle');
    // A late event from the replaced handle changes nothing.
    first.die(osError('EIO'));
    assert.equal(await lease.transact(async (h) => h.id), 2);
    assert.equal(f.opener.opens, 2);
  });

  test('a close without an error is reported as an unexpected close', async () => {
    const f = fixture();
    const lease = f.registry.acquire(f.spec('a'));
    const codes: (string | undefined)[] = [];
    lease.onState((s, err) => {
      if (s === 'closed') codes.push(err?.code);
    });
    await lease.open();
    f.opener.handles[0].die();
    assert.equal(codes[0], 'E_DISCONNECTED');
  });
});

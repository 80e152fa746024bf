/** Sharing rule 9 (docs/design.md): closeAll closes every handle in reverse order of opening; never throws. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceKey } from '../../src/core/identity';
import { serialKey } from '../../src/core/identity';
import { outcome } from '../support/fake-handle';
import { fixture } from '../support/registry-fixture';

const key = (name: string): ResourceKey => serialKey(`/dev/${name}`, { realpath: (p) => p });

describe('closeAll', () => {
  test('closes in reverse order of opening (LIFO)', async () => {
    const f = fixture();
    const names = ['ttyA', 'ttyB', 'ttyC', 'ttyD'];
    const leases = names.map((n) => f.registry.acquire(f.spec(n, { key: key(n), label: n })));
    // Open in an order different from acquisition: C, A, D, B.
    for (const i of [2, 0, 3, 1]) await leases[i].open();
    assert.deepEqual(f.events, ['open#1', 'open#2', 'open#3', 'open#4']);
    const errors = await f.registry.closeAll();
    assert.deepEqual(errors, []);
    assert.deepEqual(f.events.slice(4), ['close#4', 'close#3', 'close#2', 'close#1']);
    assert.deepEqual(f.registry.keys(), []);
  });

  test('a handle reopened later counts as opened later', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a', { key: key('ttyA') }));
    const b = f.registry.acquire(f.spec('b', { key: key('ttyB') }));
    await a.open(); // #1
    await b.open(); // #2
    await f.registry.clearAll('/dev/ttyA');
    await a.open(); // #3, after B
    await f.registry.closeAll();
    assert.deepEqual(
      f.events.filter((e) => e.startsWith('close')),
      ['close#1', 'close#3', 'close#2'],
    );
  });

  test('collects errors of failing closes, closes the rest, throws nothing', async () => {
    const f = fixture();
    const specs = ['ttyA', 'ttyB', 'ttyC'].map((n) => f.spec(n, { key: key(n), label: n }));
    const failing = specs[1];
    failing.open = async () => {
      const h = await f.opener.open();
      const close = h.close.bind(h);
      h.close = async () => {
        await close();
        throw Object.assign(new Error('close failed: EIO'), { code: 'EIO' });
      };
      return h;
    };
    const syncThrower = specs[2];
    syncThrower.open = async () => {
      const h = await f.opener.open();
      h.close = () => {
        f.events.push(`close#${h.id}`);
        throw new Error('synchronous throw from close');
      };
      return h;
    };
    const leases = specs.map((s) => f.registry.acquire(s));
    for (const l of leases) await l.open();
    const result = outcome(f.registry.closeAll());
    await result.done;
    assert.equal(result.error, undefined, 'closeAll never rejects');
    const errors = result.value as Error[];
    assert.equal(errors.length, 2);
    assert.deepEqual(errors.map((e) => e.message).sort(), [
      'close failed: EIO',
      'synchronous throw from close',
    ]);
    assert.deepEqual(f.events.slice(3), ['close#3', 'close#2', 'close#1'], 'all closed, still LIFO');
    assert.equal(f.logged.filter((m) => /teardown/.test(m)).length, 2, f.logged.join('\n'));
  });

  test('includes handles in their grace period and cancels the grace timers', async () => {
    const f = fixture({ graceMs: 2000 });
    const a = f.registry.acquire(f.spec('a'));
    await a.open();
    a.release();
    assert.equal(f.clock.pendingTimers, 1);
    await f.registry.closeAll();
    assert.deepEqual(f.events, ['open#1', 'close#1']);
    assert.equal(f.clock.pendingTimers, 0, 'no timer left to fire after teardown');
  });

  test('waits for closes already under way (released just before teardown)', async () => {
    const f = fixture();
    let finishClose: () => void = () => undefined;
    const lease = f.registry.acquire(
      f.spec('a', {
        open: async () => {
          const h = await f.opener.open();
          h.close = () =>
            new Promise<void>((resolve) => {
              finishClose = () => {
                f.events.push('close-finished');
                resolve();
              };
            });
          return h;
        },
      }),
    );
    await lease.open();
    lease.release();
    const teardown = outcome(f.registry.closeAll());
    await new Promise((r) => setImmediate(r));
    assert.equal(teardown.settled, false, 'teardown is not done while a close is pending');
    finishClose();
    await teardown.done;
    assert.deepEqual(f.events, ['open#1', 'close-finished']);
  });

  test('after teardown, old leases get E_CLOSED and state listeners are gone; new leases work', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a'));
    let calls = 0;
    a.onState(() => calls++);
    await a.open();
    await f.registry.closeAll();
    const before = calls;
    await assert.rejects(
      a.transact(async () => 1),
      { code: 'E_CLOSED' },
    );
    await assert.rejects(a.open(), { code: 'E_CLOSED' });
    assert.equal(calls, before, 'listeners released');
    a.release(); // harmless after teardown
    const b = f.registry.acquire(f.spec('b'));
    assert.equal(await b.transact(async (h) => h.id), 2);
  });

  test('transactions queued at teardown fail with E_CLOSED instead of hanging', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a'));
    let release: () => void = () => undefined;
    const first = a.transact(() => new Promise<void>((r) => (release = r)));
    const queued = outcome(a.transact(async () => 'ran'));
    await new Promise((r) => setImmediate(r));
    const teardown = f.registry.closeAll();
    release();
    await first;
    await teardown;
    await queued.done;
    assert.equal((queued.error as { code?: string }).code, 'E_CLOSED');
  });
});

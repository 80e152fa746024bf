/** Sharing rules 1–2 (docs/design.md): one handle per resource, ref-counted leases, grace period, immediate release. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, KEY, type Fixture } from '../support/registry-fixture';
import { outcome } from '../support/fake-handle';
import { cacheKey } from '../../src/core/driver-cache';
import type { Lease } from '../../src/core/lease';
import type { FakeHandle } from '../support/fake-handle';

/** A registry fixture (`options`) whose lease `a` opened its handle and was then released (`release`). */
async function openedThenReleased(
  options?: Parameters<typeof fixture>[0],
  release?: Parameters<Lease<FakeHandle>['release']>[0],
): Promise<{ f: Fixture; a: Lease<FakeHandle> }> {
  const f = fixture(options);
  const a = f.registry.acquire(f.spec('a'));
  await a.open();
  a.release(release);
  return { f, a };
}

describe('one handle, many leases', () => {
  test('the handle opens once for many leases and many transactions', async () => {
    const f = fixture();
    const leases = ['a', 'b', 'c'].map((h) => f.registry.acquire(f.spec(`node ${h}`)));
    assert.equal(f.opener.attempts, 0, 'opening is lazy: acquire does not open');
    assert.ok(
      leases.every((l) => l.sharesResourceWith(leases[0])),
      'one SharedResource for the key',
    );
    // Concurrent first uses from all leases: still one open.
    const results = await Promise.all([
      ...leases.map((l, i) => l.transact(async (h) => `${i}:${h.id}`)),
      ...leases.map((l) => l.open()),
    ]);
    assert.deepEqual(results.slice(0, 3), ['0:1', '1:1', '2:1']);
    assert.equal(f.opener.attempts, 1);
    assert.deepEqual(f.events, ['open#1']);
    assert.equal(leases[0].leaseCount, 3);
    assert.equal(leases[0].state, 'open');
  });

  test('the handle closes when the last lease goes, not before', async () => {
    const f = fixture();
    const [a, b, c] = ['a', 'b', 'c'].map((h) => f.registry.acquire(f.spec(h)));
    await a.open();
    a.release();
    b.release();
    b.release(); // idempotent: must not count twice
    await f.clock.advance(0);
    assert.deepEqual(f.events, ['open#1'], 'still one lease left');
    assert.ok(a.isOn(f.registry.get(KEY)!));
    c.release();
    await f.clock.advance(0);
    assert.deepEqual(f.events, ['open#1', 'close#1']);
    assert.equal(f.opener.handles[0].closeCalls, 1);
    assert.equal(f.registry.get(KEY), undefined, 'the registry forgets a resource nobody holds');
  });

  test('a released lease cannot transact (E_CLOSED); a new acquire opens a new handle', async () => {
    const { f, a } = await openedThenReleased();
    await assert.rejects(
      a.transact(async () => 1),
      { code: 'E_CLOSED', name: 'ClosedError' },
    );
    const b = f.registry.acquire(f.spec('b'));
    assert.equal(await b.transact(async (h) => h.id), 2);
    assert.deepEqual(f.events, ['open#1', 'close#1', 'open#2']);
  });

  test('onState reports opening → open → closing → closed', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a'));
    const states: string[] = [];
    a.onState((s) => states.push(s));
    await a.open();
    a.release({ immediate: true });
    await f.clock.advance(0);
    assert.deepEqual(states, ['opening', 'open', 'closing', 'closed']);
  });

  test('a throwing state listener does not break the resource', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a'));
    a.onState(() => {
      throw new Error('listener bug');
    });
    assert.equal(await a.transact(async (h) => h.id), 1);
    assert.ok(f.logged.some((m) => /listener bug/.test(m)));
  });
});

describe('grace period (rule 2: a redeploy must not close and reopen the port)', () => {
  test('release then re-acquire within the grace period: no close, no reopen', async () => {
    const f = fixture({ graceMs: 2000 });
    const old = f.registry.acquire(f.spec('watlow "Oven 1"'));
    await old.transact(async () => undefined);
    old.release();
    await f.clock.advance(1999);
    assert.deepEqual(f.events, ['open#1'], 'not closed inside the grace period');
    const renewed = f.registry.acquire(f.spec('watlow "Oven 1"'));
    assert.ok(renewed.sharesResourceWith(old), 'the same resource is taken over');
    await f.clock.advance(10_000);
    assert.equal(await renewed.transact(async (h) => h.id), 1, 'same handle');
    assert.deepEqual(f.events, ['open#1'], 'never closed, never reopened');
  });

  test('after the grace period the handle is closed', async () => {
    const { f } = await openedThenReleased({ graceMs: 2000 });
    await f.clock.advance(1999);
    assert.deepEqual(f.events, ['open#1']);
    await f.clock.advance(1);
    assert.deepEqual(f.events, ['open#1', 'close#1']);
    assert.equal(f.registry.get(KEY), undefined);
    assert.equal(f.clock.pendingTimers, 0, 'no timer left behind');
  });

  test("release({ graceMs }) sets this release's grace period, over a registry default of none", async () => {
    const { f } = await openedThenReleased({ graceMs: 0 }, { graceMs: 2000 });
    await f.clock.advance(1999);
    assert.deepEqual(f.events, ['open#1'], 'kept for the grace period given to release()');
    const b = f.registry.acquire(f.spec('b'));
    await f.clock.advance(5000);
    assert.equal(await b.transact(async (h) => h.id), 1, 'same handle, taken over within the grace');
    b.release();
    await f.clock.advance(0);
    assert.deepEqual(f.events, ['open#1', 'close#1'], 'the default (no grace) applies to the next release');
  });

  test('release({ immediate: true }) closes at once, grace or not', async () => {
    const { f } = await openedThenReleased({ graceMs: 2000 }, { immediate: true });
    await f.clock.advance(0);
    assert.deepEqual(f.events, ['open#1', 'close#1']);
    assert.equal(f.clock.pendingTimers, 0);
  });

  test('a lease taken during grace keeps the handle past the original deadline', async () => {
    const { f } = await openedThenReleased({ graceMs: 2000 });
    await f.clock.advance(1000);
    const b = f.registry.acquire(f.spec('b'));
    await f.clock.advance(5000);
    assert.deepEqual(f.events, ['open#1']);
    b.release();
    await f.clock.advance(2000);
    assert.deepEqual(f.events, ['open#1', 'close#1'], 'the new last release starts a new grace period');
  });

  test('with a grace period, a handle never opened is simply dropped', async () => {
    const f = fixture({ graceMs: 2000 });
    const a = f.registry.acquire(f.spec('a'));
    a.release();
    await f.clock.advance(2000);
    assert.deepEqual(f.events, []);
    assert.equal(f.registry.get(KEY), undefined);
  });

  test('a pending open is still closed when the last lease goes meanwhile', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a'));
    const opened = outcome(a.open());
    a.release();
    await f.clock.advance(0);
    await opened.done;
    assert.deepEqual(f.events, ['open#1', 'close#1'], 'the handle opened after release is not leaked');
  });
});

describe('a released lease', () => {
  test('refuses every use with E_CLOSED: transactions, open, driver cache, roles', async () => {
    const f = fixture();
    const kept = f.registry.acquire(f.spec('kept'));
    const gone = f.registry.acquire(f.spec('gone'));
    const key = cacheKey<{ n: number }>('driver');
    gone.cache.get(key, () => ({ n: 1 }));
    gone.release();
    await assert.rejects(
      gone.transact(async () => 'sent'),
      { code: 'E_CLOSED' },
    );
    await assert.rejects(gone.open(), { code: 'E_CLOSED' });
    assert.throws(() => gone.cache.get(key, () => ({ n: 2 })), { code: 'E_CLOSED' });
    assert.throws(() => gone.cache.peek(key), { code: 'E_CLOSED' });
    assert.throws(() => gone.roles.check('supply', 'gone'), { code: 'E_CLOSED' });
    assert.throws(() => gone.roles.startMonitor('supply', { id: 'x', name: 'gone' }), { code: 'E_CLOSED' });
    assert.deepEqual(f.events, [], 'nothing was opened for the released lease');
    // The resource itself is untouched: the other lease still sees the cached driver and works.
    assert.deepEqual(kept.cache.peek(key), { n: 1 });
    assert.equal(await kept.transact(async (h) => h.id), 1);
    assert.equal(gone.state, 'open', 'observing stays allowed');
  });
});

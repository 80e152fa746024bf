/**
 * The config-node lease lifecycle (LeaseKeeper) on its own, against a private registry and a
 * fake handle: lazy acquisition, grace period on a "modified nodes" restart, immediate release on
 * removal, the config node's own close waiting for work in flight, late deregistration.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FakeClock, sleep } from '../../src/core/clock';
import { ResourceRegistry } from '../../src/core/registry';
import { serialKey } from '../../src/core';
import { englishCommon } from '../../nodes/shared/i18n';
import { LeaseKeeper, statusForState, type UserNode } from '../../nodes/shared/lease-keeper';

class Handle {
  static opened = 0;
  static closed = 0;
  constructor() {
    Handle.opened++;
  }
  async close(): Promise<void> {
    Handle.closed++;
  }
}

function user(id: string, seen: unknown[] = []): UserNode {
  return { id, status: (s: unknown) => seen.push(s) } as unknown as UserNode;
}

/** A registry and a keeper on one fake clock: grace periods and drains pass only when a test says. */
function onFakeClock(): { clock: FakeClock; registry: ResourceRegistry } {
  const clock = new FakeClock();
  return { clock, registry: new ResourceRegistry({ clock }) };
}

function keeperOn(
  registry: ResourceRegistry,
  bus: string,
  graceMs = 30,
  clock?: FakeClock,
): LeaseKeeper<Handle> {
  return new LeaseKeeper<Handle>({
    describe: `labbench-watlow "${bus}"`,
    graceMs,
    clock,
    acquire: () =>
      registry.acquire<Handle>({
        key: serialKey(`sim:${bus}`),
        label: `sim:${bus}`,
        holder: bus,
        claim: { protocol: 'stdbus' },
        open: async () => new Handle(),
      }),
  });
}

/**
 * A keeper (on a registry of its own) whose only user, `a`, has opened the handle; `closedBefore`
 * is Handle.closed at that point.
 */
async function openedByOneUser(bus: string, graceMs: number) {
  const { clock, registry } = onFakeClock();
  const k = keeperOn(registry, bus, graceMs, clock);
  const a = user('a');
  k.register(a);
  await k.use((lease) => lease.open());
  return { k, a, clock, closedBefore: Handle.closed };
}

describe('LeaseKeeper (config-node lease lifecycle)', () => {
  it('acquires lazily and opens on first use only', async () => {
    const registry = new ResourceRegistry();
    const k = keeperOn(registry, 'lazy');
    k.register(user('a'));
    assert.equal(k.holdsLease, false);
    const before = Handle.opened;
    await k.use((lease) => lease.open());
    assert.equal(Handle.opened, before + 1);
    await k.close(false);
  });

  it('keeps the handle open across a restart of its only user (modified-nodes deploy)', async () => {
    const { k, a, clock, closedBefore } = await openedByOneUser('grace', 50);
    k.deregister(a, false); // the user restarts…
    k.register(user('a')); // …and comes back within the grace period
    await clock.advance(120); // well past the grace period
    assert.equal(Handle.closed, closedBefore, 'not closed');
    assert.equal(k.holdsLease, true);
    await k.close(false);
    await clock.advance(0);
    assert.equal(Handle.closed, closedBefore + 1);
  });

  it('releases after the grace period when the last user does not come back', async () => {
    const { k, a, clock, closedBefore } = await openedByOneUser('gone', 20);
    k.deregister(a, false);
    await clock.advance(19);
    assert.equal(Handle.closed, closedBefore, 'still open within the grace period');
    await clock.advance(1);
    assert.equal(Handle.closed, closedBefore + 1);
    assert.equal(k.holdsLease, false);
    await k.close(false);
  });

  it('releases at once when the last user is removed', async () => {
    const { k, a, clock, closedBefore } = await openedByOneUser('removed', 10_000);
    k.deregister(a, true);
    await clock.advance(0); // no time passes: the close is not a grace-period timer
    assert.equal(Handle.closed, closedBefore + 1);
    await k.close(false);
  });

  it('close waits for operations in flight (and those they start), then releases; late calls are harmless', async () => {
    const { clock, registry } = onFakeClock();
    const k = keeperOn(registry, 'drain', 30, clock);
    const a = user('a');
    k.register(a);
    const order: string[] = [];
    const work = k.use(async (lease) => {
      await lease.transact(async () => {
        await sleep(clock, 30);
        order.push('first');
      });
      // the next controller of the same poll asks for the lease while the config node closes
      await k.use((l) => l.transact(async () => void order.push('second')));
    });
    const closing = k.close(false);
    await clock.advance(30); // the first operation finishes; close has waited for it
    await Promise.all([work, closing]);
    order.push('released');
    assert.deepEqual(order, ['first', 'second', 'released']);
    assert.equal(registry.keys().length, 0, 'resource left the registry');
    k.deregister(a, false); // a slow user deregisters after the config node closed
    k.deregister(a, true);
    assert.throws(() => k.get(), { code: 'E_CLOSED' });
    await k.close(true);
  });

  it('pushes resource state to every user as node statuses', async () => {
    const registry = new ResourceRegistry();
    const k = keeperOn(registry, 'status');
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    k.register(user('a', seenA));
    k.register(user('b', seenB));
    await k.use((lease) => lease.open());
    assert.deepEqual(seenA, [
      { fill: 'yellow', shape: 'ring', text: 'opening…' },
      { fill: 'green', shape: 'dot', text: 'ready' },
    ]);
    assert.deepEqual(seenB, seenA);
    assert.deepEqual(statusForState(englishCommon, 'closed'), { fill: 'grey', shape: 'ring', text: 'idle' });
    await k.close(false);
  });
});

describe('LeaseKeeper drain bound', () => {
  it('releases after drainMs on its clock when an operation never finishes', async () => {
    const { clock, registry } = onFakeClock();
    const k = new LeaseKeeper<Handle>({
      describe: 'labbench-watlow "stuck"',
      drainMs: 1000,
      clock,
      acquire: () =>
        registry.acquire<Handle>({
          key: serialKey('sim:stuck'),
          label: 'sim:stuck',
          holder: 'stuck',
          claim: { protocol: 'stdbus' },
          open: async () => new Handle(),
        }),
    });
    k.register(user('a'));
    void k.use(() => new Promise<never>(() => undefined)); // hangs forever
    let closed = false;
    const closing = k.close(false).then(() => {
      closed = true;
    });
    await clock.advance(999);
    assert.equal(closed, false, 'still waiting within the bound');
    await clock.advance(1);
    await closing;
    assert.equal(closed, true);
    assert.equal(k.holdsLease, false);
  });
});

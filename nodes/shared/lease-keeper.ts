/**
 * The config-node side of resource sharing: one handle per resource, held for the flow nodes
 * that use it.
 *
 * A config node (labbench-watlow, labbench-visa) owns one `LeaseKeeper`. Flow nodes `register`
 * in their constructor and `deregister` in `close(removed, done)`. The keeper takes its lease from
 * the core registry lazily, on first use, and lets go of it:
 *  - at once when the last user is deregistered with `removed === true` (node deleted/disabled);
 *  - after a grace period (2 s) when the last user left without being removed — a "modified
 *    nodes" deploy restarts the user, which registers again well within the grace period, so the
 *    port is neither closed nor reopened;
 *  - when the config node itself closes (after the operations in flight have finished).
 * The users map is exposed as the config node's `users` property, which is the name the runtime
 * looks for when it delegates a config node's status and errors to its users' flows.
 * Resource state changes (opening, open, lost) are pushed to every user as a node status.
 */
import type { Node, NodeStatus } from 'node-red';
import { ClosedError, sleep, systemClock, type Clock, type LabbenchError } from '../../src/core';
import type { Closeable, Lease, ResourceState } from '../../src/core';
import { englishCommon, type Translate } from './i18n';
import { idle, opening, problem, ready, reasonFor } from './status';

export const RELEASE_GRACE_MS = 2000;

/** A flow node that wants to render resource state itself (e.g. keep "monitoring" blue). */
export interface ResourceStateAware {
  labbenchResourceState?(state: ResourceState, err?: LabbenchError): void;
}

export type UserNode = Node & ResourceStateAware;

/** The status a plain user node gets for a resource state (flow nodes render it themselves). */
export function statusForState(
  t: Translate,
  state: ResourceState,
  err?: LabbenchError,
): NodeStatus | undefined {
  switch (state) {
    case 'opening':
      return opening(t);
    case 'open':
      return ready(t);
    case 'closed':
      return err ? problem(reasonFor(t, err.code)) : idle(t);
    default:
      return undefined;
  }
}

export interface LeaseKeeperOptions<H extends Closeable> {
  /** Takes the lease from the registry; may throw a conflict error (rule 3). */
  acquire: () => Lease<H>;
  graceMs?: number;
  /** Upper bound on waiting for operations in flight when the config node closes. */
  drainMs?: number;
  /** Describes the owner in messages, e.g. 'labbench-watlow "Oven 1"'. */
  describe: string;
  /** Time for the drain bound (default: the system clock). */
  clock?: Clock;
  /** Status texts for users that do not render resource state themselves (default: en-US). */
  texts?: Translate;
}

export class LeaseKeeper<H extends Closeable> {
  /**
   * id → user node. Exposed as the config node's `users`; a plain object, because the runtime
   * walks it with `for…in` / `hasOwnProperty` when it delegates status and errors.
   */
  readonly users: Record<string, UserNode> = {};
  private lease: Lease<H> | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  /** The last user left without being removed; the registry holds the handle for a while. */
  private inGrace = false;
  private closing: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private lastState: { state: ResourceState; err?: LabbenchError } | undefined;

  constructor(private readonly options: LeaseKeeperOptions<H>) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get userCount(): number {
    return Object.keys(this.users).length;
  }

  get holdsLease(): boolean {
    return this.lease !== undefined;
  }

  register(node: UserNode): void {
    if (this.closed) return;
    this.users[node.id] = node;
    if (this.inGrace) {
      // A user came back within the grace period (a "modified nodes" deploy): take the lease again
      // now, so the registry keeps the handle open instead of closing it when the period ends.
      this.inGrace = false;
      try {
        this.get();
      } catch {
        // A conflict surfaces on the node's first use, through done(err).
      }
    }
  }

  /** Harmless when late (after the config node closed) or repeated. */
  deregister(node: { id: string }, removed: boolean): void {
    delete this.users[node.id];
    if (this.closed || this.closing || this.userCount > 0 || !this.lease) return;
    // Removed: close now. Otherwise the registry keeps the handle for the grace period, and a
    // "modified nodes" deploy, whose restarted user takes the lease again well within it, neither
    // closes nor reopens the port.
    if (removed) {
      this.releaseLease({ immediate: true });
    } else {
      this.releaseLease({ graceMs: this.options.graceMs ?? RELEASE_GRACE_MS });
      this.inGrace = true;
    }
  }

  /** The lease, acquired on first use. Throws E_CLOSED after close, or a conflict error. */
  get(): Lease<H> {
    if (this.closed) {
      throw new ClosedError(
        `${this.options.describe} is being redeployed or stopped; send the message again when the deploy has finished.`,
      );
    }
    if (!this.lease || this.lease.released) {
      this.inGrace = false;
      const lease = this.options.acquire();
      this.lease = lease;
      this.unsubscribe = lease.onState((state, err) => this.broadcast(state, err));
    }
    return this.lease;
  }

  /** Runs an operation with the lease, tracked so that close waits for it. */
  async use<T>(fn: (lease: Lease<H>) => Promise<T>): Promise<T> {
    const lease = this.get();
    const op = fn(lease);
    this.inflight.add(op);
    try {
      return await op;
    } finally {
      this.inflight.delete(op);
    }
  }

  /** Pushes a status for the resource's state to every user node. */
  broadcast(state: ResourceState, err?: LabbenchError): void {
    this.lastState = { state, err };
    for (const user of Object.values(this.users)) {
      try {
        if (typeof user.labbenchResourceState === 'function') {
          user.labbenchResourceState(state, err);
        } else {
          const status = statusForState(this.options.texts ?? englishCommon, state, err);
          if (status) user.status(status);
        }
      } catch {
        // a user's status must not break the others
      }
    }
  }

  get state(): { state: ResourceState; err?: LabbenchError } | undefined {
    return this.lastState;
  }

  /**
   * The config node's own close: waits (bounded) for the operations in flight — and for those they
   * start meanwhile, such as the next controller of a poll on the same port — then releases.
   */
  async close(removed: boolean): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const clock = this.options.clock ?? systemClock;
      const deadline = clock.now() + (this.options.drainMs ?? 10_000);
      while (this.inflight.size > 0 && clock.now() < deadline) {
        const abort = new AbortController();
        await Promise.race([
          Promise.allSettled([...this.inflight]),
          sleep(clock, Math.max(0, deadline - clock.now()), abort.signal).catch(() => undefined),
        ]);
        abort.abort();
      }
      this.closed = true;
      // Not removed (a full deploy, or Node-RED stopping): the registry's own default grace
      // period (none by default: a full deploy or a stop closes every handle) applies.
      this.releaseLease(removed ? { immediate: true } : {});
    })();
    return this.closing;
  }

  private releaseLease(how: { immediate?: boolean; graceMs?: number }): void {
    const lease = this.lease;
    this.lease = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    try {
      lease?.release(how);
    } catch {
      // releasing never throws into the runtime
    }
  }
}

/** What a lease-holding config node (labbench-watlow, labbench-visa) offers its users. */
export interface LeaseConfigNode<H extends Closeable> extends Node {
  keeper: LeaseKeeper<H>;
  users: Record<string, UserNode>;
  register(node: UserNode): void;
  deregister(node: { id: string }, removed: boolean): void;
}

/** Wires a keeper into a config node: `users`, `register`, `deregister`, and its own close. */
export function attachKeeper<H extends Closeable>(node: Node, keeper: LeaseKeeper<H>): LeaseConfigNode<H> {
  const n = node as LeaseConfigNode<H>;
  n.keeper = keeper;
  n.users = keeper.users;
  n.register = (user) => keeper.register(user);
  n.deregister = (user, removed) => keeper.deregister(user, removed);
  // Exactly two declared parameters: Node-RED passes (removed, done) by the listener's arity.
  n.on('close', (removed: boolean, done: () => void) => {
    keeper.close(removed === true).then(
      () => done(),
      () => done(),
    );
  });
  return n;
}

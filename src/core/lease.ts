/**
 * A user's hold on a shared resource. Everything a user does with the resource goes through its
 * lease — transactions, the driver cache, the role guard — and every one of them fails with
 * E_CLOSED once the lease is released, so a node that was redeployed cannot keep talking to the
 * port through a stale reference. The resource itself is never handed out.
 */
import type { CacheKey } from './driver-cache';
import { ClosedError } from './errors';
import type { ResourceKey } from './identity';
import type {
  Closeable,
  ProtocolClaim,
  ResourceState,
  StateListener,
  TransactOptions,
} from './resource-types';
import type { RoleHolder } from './roles';
import type { LeaseToken, SharedResource } from './shared-resource';

/** The resource's driver cache, reached through a lease. */
export interface LeaseCache {
  /** The cached object for `key`, built by `factory` on first use. */
  get<T>(key: CacheKey<T>, factory: () => T): T;
  peek<T>(key: CacheKey<T>): T | undefined;
  delete<T>(key: CacheKey<T>): boolean;
  readonly size: number;
}

/** The resource's role guard (one role at a time while monitored), reached through a lease. */
export interface LeaseRoles {
  /** Registers a monitor; the returned function stops it. Throws E_ROLE_CONFLICT. */
  startMonitor(role: string, holder: RoleHolder, explanation?: string): () => void;
  /** Throws E_ROLE_CONFLICT while a monitor of another role runs. */
  check(role: string, requester: string, explanation?: string): void;
  active(): readonly { role: string; holder: RoleHolder }[];
}

export class Lease<H extends Closeable = Closeable> {
  private isReleased = false;
  readonly cache: LeaseCache;
  readonly roles: LeaseRoles;

  constructor(
    private readonly resource: SharedResource<H>,
    private readonly token: LeaseToken,
  ) {
    const held = (): SharedResource<H> => this.held();
    this.cache = {
      get: (key, factory) => held().cache.get(key, factory),
      peek: (key) => held().cache.peek(key),
      delete: (key) => held().cache.delete(key),
      get size() {
        return held().cache.size;
      },
    };
    this.roles = {
      startMonitor: (role, holder, explanation) => held().roles.startMonitor(role, holder, explanation),
      check: (role, requester, explanation) => held().roles.check(role, requester, explanation),
      active: () => held().roles.active(),
    };
  }

  get holder(): string {
    return this.token.holder;
  }

  get claim(): ProtocolClaim | undefined {
    return this.token.claim;
  }

  get key(): ResourceKey {
    return this.resource.key;
  }

  /** Human form of the resource, e.g. "/dev/ttyUSB0". */
  get label(): string {
    return this.resource.label;
  }

  get released(): boolean {
    return this.isReleased;
  }

  /** The resource's state (observing is allowed after release; using is not). */
  get state(): ResourceState {
    return this.resource.state;
  }

  /** Follows the resource's state changes; returns the unsubscribe function. */
  onState(listener: StateListener): () => void {
    return this.resource.onState(listener);
  }

  /** How many leases the resource has now, this one included until released. */
  get leaseCount(): number {
    return this.resource.leaseCount;
  }

  /** Transactions waiting behind the one in flight. */
  get queueLength(): number {
    return this.resource.queueLength;
  }

  /** The protocol fixed for the resource by the first claiming lease. */
  get protocol(): string | undefined {
    return this.resource.protocol;
  }

  /** True when both leases hold the same physical resource (one handle, one lock). */
  sharesResourceWith<O extends Closeable>(other: Lease<O>): boolean {
    return (other.resource as unknown) === this.resource;
  }

  private held(): SharedResource<H> {
    if (this.isReleased) {
      throw new ClosedError(
        `${this.holder} no longer holds ${this.resource.label} (released on redeploy or close).`,
        { resource: this.resource.label },
      );
    }
    return this.resource;
  }

  transact<T>(fn: (handle: H, signal: AbortSignal) => Promise<T>, options?: TransactOptions): Promise<T> {
    try {
      return this.held().transact(fn, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Opens the handle now rather than on first use (for an early "ready" status). */
  async open(): Promise<void> {
    await this.held().ensureOpen();
  }

  /**
   * Idempotent. The last release closes the handle after a grace period — `graceMs`, else the
   * registry's default — or at once with `immediate`. A lease taken on the same resource within
   * the grace period keeps the handle open.
   */
  release(options: { immediate?: boolean; graceMs?: number } = {}): void {
    if (this.isReleased) return;
    this.isReleased = true;
    const graceMs = options.immediate ? 0 : (options.graceMs ?? this.resource.defaultGraceMs);
    this.resource.removeLease(this.token, graceMs);
  }

  /** Whether this lease was taken on `resource` (diagnostics, tests). */
  isOn<O extends Closeable>(resource: SharedResource<O>): boolean {
    return (resource as unknown) === this.resource;
  }
}

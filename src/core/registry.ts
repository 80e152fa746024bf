/**
 * The process-wide registry of shared physical resources (SPEC §3). One `SharedResource` per
 * canonical key holds the one OS handle (serial port, VISA session), the one FIFO lock through
 * which every transaction passes, the protocol claim, the driver cache and the role guard. Users
 * hold `Lease`s; the handle opens lazily on first use and closes when the last lease goes.
 */
import { Mutex } from 'async-mutex';
import type { Clock, TimerHandle } from './clock';
import { sleep, systemClock } from './clock';
import { DriverCache } from './driver-cache';
import type { LabbenchError } from './errors';
import {
  BusyError,
  ClosedError,
  DisconnectedError,
  ProtocolConflictError,
  QueueFullError,
  SettingsConflictError,
  TimeoutError,
  isBusy,
  isDeviceGone,
  toLabbenchError,
} from './errors';
import type { ResourceKey } from './identity';
import { resourceKey } from './identity';
import { RoleGuard } from './roles';

export interface Closeable {
  close(): Promise<void>;
}

/** Handles that can tell us they died between transactions (serial ports, sockets). */
interface CloseObservable {
  onClose(listener: (err?: Error) => void): () => void;
}

function observesClose(handle: unknown): handle is CloseObservable {
  return typeof (handle as Partial<CloseObservable> | null)?.onClose === 'function';
}

export type ClaimSettings = Readonly<Record<string, string | number | boolean>>;

export interface ProtocolClaim {
  /** `stdbus`, `modbus`, `scpi`… The first lease fixes it for the port (rule 3). */
  protocol: string;
  settings?: ClaimSettings;
}

export interface ResourceSpec<H extends Closeable> {
  key: ResourceKey;
  /** Human form of the resource for messages and status, e.g. "/dev/ttyUSB0". */
  label: string;
  /** Who asks, for messages, e.g. 'labbench-watlow "Oven 1"'. */
  holder: string;
  claim?: ProtocolClaim;
  /** Opens the OS handle. Busy errors are retried on the registry's schedule. */
  open: () => Promise<H>;
}

export type ResourceState = 'closed' | 'opening' | 'open' | 'closing';
export type StateListener = (state: ResourceState, err?: LabbenchError) => void;

export interface RegistryOptions {
  clock?: Clock;
  /** Delay between the last release and the close (rule 2); 0 closes at once. */
  graceMs?: number;
  /** Transactions allowed to wait behind the one in flight (rule 4). */
  maxQueue?: number;
  /** Default per-transaction timeout; a safety net above the protocols' own reply timeouts. */
  transactionTimeoutMs?: number;
  /** Waits between open attempts while the device reports busy (rule 7). */
  openRetryDelaysMs?: readonly number[];
  /** Where teardown errors go (they are never thrown). */
  log?: (message: string) => void;
}

export interface TransactOptions {
  timeoutMs?: number;
  /** What the transaction does, for messages: "read 4001 from address 1". */
  label?: string;
}

export interface ClearReport {
  drivers: number;
  closed: string[];
  kept: string[];
}

export const DEFAULT_OPEN_RETRY_DELAYS_MS: readonly number[] = [200, 500, 1000, 2000];

interface ResolvedOptions {
  clock: Clock;
  graceMs: number;
  maxQueue: number;
  transactionTimeoutMs: number;
  openRetryDelaysMs: readonly number[];
  log: (message: string) => void;
}

function formatSettings(settings: ClaimSettings | undefined): string {
  if (!settings) return 'default settings';
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function settingsDiffer(a: ClaimSettings | undefined, b: ClaimSettings | undefined): string[] {
  if (!a || !b) return [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]);
}

let openSequence = 0;

/** The longest delay a Node.js timer honours (larger ones fire after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

export class SharedResource<H extends Closeable = Closeable> {
  readonly cache = new DriverCache();
  readonly roles: RoleGuard;
  private readonly mutex = new Mutex();
  private abortController = new AbortController();
  private readonly leases = new Set<Lease<H>>();
  private readonly listeners = new Set<StateListener>();
  private handle: H | undefined;
  private opening: Promise<H> | undefined;
  private unwatchHandle: (() => void) | undefined;
  private currentState: ResourceState = 'closed';
  private waiting = 0;
  private graceTimer: TimerHandle | undefined;
  /** Set once the registry has let go of this resource; leases on it then fail with E_CLOSED. */
  private disposed = false;
  /** A close still in progress (clearAll, replacement): the next open waits for it. */
  private closing: Promise<void> | undefined;
  /** Order of the last successful open, for LIFO teardown. */
  openedAt = 0;
  /**
   * Set when an open handle died (device gone); cleared by the next successful open. While set, a
   * reopen that finds no device reports E_DISCONNECTED ("went away") rather than E_NOT_FOUND.
   */
  private lost = false;
  /** Aborted by dispose: stops a busy-retry wait so teardown does not sit out the schedule. */
  private readonly disposal = new AbortController();

  constructor(
    readonly key: ResourceKey,
    readonly label: string,
    private readonly opener: () => Promise<H>,
    private readonly options: ResolvedOptions,
    private readonly onDisposed: (resource: SharedResource<H>, closed: Promise<void>) => void,
    predecessorClosing?: Promise<void>,
  ) {
    this.roles = new RoleGuard(label);
    this.closing = predecessorClosing;
  }

  get state(): ResourceState {
    return this.currentState;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get leaseCount(): number {
    return this.leases.size;
  }

  /** Transactions waiting behind the one in flight. */
  get queueLength(): number {
    return this.waiting;
  }

  /** The protocol fixed by the first claiming lease, if any lease claims one. */
  get protocol(): string | undefined {
    return this.claimOwner()?.claim.protocol;
  }

  /** Holders of the current leases, for diagnostics. */
  holders(): string[] {
    return [...this.leases].map((l) => l.holder);
  }

  onState(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private setState(state: ResourceState, err?: LabbenchError): void {
    this.currentState = state;
    for (const listener of [...this.listeners]) {
      try {
        listener(state, err);
      } catch (listenerError) {
        // A status listener must never break the resource; it is a bug in the listener.
        this.options.log(`state listener of ${this.label} threw: ${String(listenerError)}`);
      }
    }
  }

  /**
   * Who fixed the protocol: the first current lease with a claim or, when none is left (grace
   * period, or only claimless leases), the last one that had it. The handle was opened with that
   * claim's settings, so the claim outlives its lease for as long as the resource does.
   */
  private claimOwner(): { holder: string; claim: ProtocolClaim } | undefined {
    for (const lease of this.leases) if (lease.claim) return { holder: lease.holder, claim: lease.claim };
    return this.lastClaim;
  }

  private lastClaim: { holder: string; claim: ProtocolClaim } | undefined;

  /** Rule 3: the first claim fixes protocol and settings; others must match. */
  checkClaim(holder: string, claim: ProtocolClaim | undefined): void {
    if (!claim) return;
    const owner = this.claimOwner();
    if (!owner) return;
    if (owner.claim.protocol !== claim.protocol) {
      throw new ProtocolConflictError(
        `${holder} wants ${this.label} for ${claim.protocol}, but ${owner.holder} already uses it for ${owner.claim.protocol}. One bus speaks one protocol: set every device on this port to the same protocol, or move one to another port.`,
        { resource: this.label },
      );
    }
    const differing = settingsDiffer(owner.claim.settings, claim.settings);
    if (differing.length > 0) {
      throw new SettingsConflictError(
        `${holder} wants ${this.label} with ${formatSettings(claim.settings)}, but ${owner.holder} already opened it with ${formatSettings(owner.claim.settings)} (${differing.join(', ')} differ). Use one serial-port config node, or give both the same settings.`,
        { resource: this.label },
      );
    }
  }

  addLease(lease: Lease<H>): void {
    if (this.graceTimer !== undefined) {
      this.options.clock.clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    }
    this.leases.add(lease);
    this.lastClaim = this.claimOwner();
  }

  /** `graceMs`: how long the handle outlives its last lease (0 = close now). */
  removeLease(lease: Lease<H>, graceMs: number): void {
    if (!this.leases.delete(lease)) return;
    this.lastClaim = this.claimOwner();
    if (this.leases.size > 0 || this.disposed) return;
    // Close errors are logged by closeHandle; a release never throws or rejects.
    if (!(graceMs > 0)) {
      this.dispose().catch(() => undefined);
      return;
    }
    this.graceTimer = this.options.clock.setTimeout(() => {
      this.graceTimer = undefined;
      if (this.leases.size === 0) this.dispose().catch(() => undefined);
    }, graceMs);
  }

  /** The registry's default grace period (rule 2). */
  get defaultGraceMs(): number {
    return this.options.graceMs;
  }

  /** Opens the handle if needed (once, however many callers), retrying while busy. */
  ensureOpen(): Promise<H> {
    if (this.disposed) return Promise.reject(this.closedError());
    if (this.handle) return Promise.resolve(this.handle);
    if (!this.opening) {
      this.opening = this.openWithRetry().finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async openWithRetry(): Promise<H> {
    if (this.closing) await this.closing;
    this.setState('opening');
    const delays = this.options.openRetryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await this.opener();
        if (this.disposed) {
          // Torn down while we were opening: do not leak the new handle.
          await handle.close().catch(() => undefined);
          throw this.closedError();
        }
        this.adopt(handle);
        return handle;
      } catch (err) {
        if (err instanceof ClosedError) throw err;
        if (isBusy(err) && attempt < delays.length) {
          try {
            await sleep(this.options.clock, delays[attempt], this.disposal.signal);
          } catch {
            this.setState('closed');
            throw this.closedError();
          }
          continue;
        }
        let failure = isBusy(err)
          ? new BusyError(
              `${this.label} is busy: another program or node holds it (${err instanceof Error ? err.message : String(err)}). Tried ${delays.length + 1} times over ${delays.reduce((a, b) => a + b, 0) / 1000} s. Close the other user, then retry.`,
              { resource: this.label, cause: err },
            )
          : toLabbenchError(err, { resource: this.label, action: 'Opening' });
        if (this.lost && (failure.code === 'E_NOT_FOUND' || failure.code === 'E_DISCONNECTED')) {
          failure = new DisconnectedError(
            `${this.label} went away and could not be reopened (${failure.message}). Check the cable and power; the next message tries again.`,
            { resource: this.label, cause: err },
          );
        }
        this.setState('closed', failure);
        throw failure;
      }
    }
  }

  private adopt(handle: H): void {
    this.handle = handle;
    this.lost = false;
    this.openedAt = ++openSequence;
    if (observesClose(handle)) {
      // A handle that dies between transactions (unplug, socket reset) is dropped here; the
      // next transaction opens a fresh one. The dead handle is still closed (it may hold an OS
      // descriptor and a port lock), and the next open waits for that close (rule 8's order).
      this.unwatchHandle = handle.onClose((err) => {
        if (this.handle !== handle) return;
        this.lost = true;
        this.closeHandle().catch(() => undefined);
        const reason = err ? toLabbenchError(err, { resource: this.label, action: 'Connection' }) : undefined;
        this.setState(
          'closed',
          reason && reason.code === 'E_DISCONNECTED'
            ? reason
            : new DisconnectedError(`${this.label} closed unexpectedly; the next use reopens it.`, {
                resource: this.label,
                cause: err,
              }),
        );
      });
    }
    this.setState('open');
  }

  private detachHandle(): H | undefined {
    const handle = this.handle;
    this.handle = undefined;
    this.unwatchHandle?.();
    this.unwatchHandle = undefined;
    return handle;
  }

  /** Closes the OS handle (if any); the resource stays usable and reopens on the next use. */
  closeHandle(): Promise<void> {
    const handle = this.detachHandle();
    if (!handle) return this.closing ?? Promise.resolve();
    this.setState('closing');
    // A close that throws synchronously is a failed close like any other (collected, logged).
    const closing: Promise<void> = Promise.resolve()
      .then(() => handle.close())
      .catch((err: unknown) => {
        this.options.log(`closing ${this.label} failed: ${String(err)}`);
        throw err;
      })
      .finally(() => {
        if (this.closing === settled) this.closing = undefined;
        if (!this.handle && this.currentState === 'closing') this.setState('closed');
      });
    const settled = closing.catch(() => undefined);
    this.closing = settled;
    return closing;
  }

  private closedError(): ClosedError {
    return new ClosedError(
      `${this.label} has been closed (node removed, redeployed or Node-RED stopping). Send the message again after the deploy finishes.`,
      {
        resource: this.label,
      },
    );
  }

  /** Releases the resource for good: cancels waits, closes the handle, leaves the registry. */
  dispose(): Promise<void> {
    if (this.disposed) return this.closing ?? Promise.resolve();
    this.disposed = true;
    this.disposal.abort();
    if (this.graceTimer !== undefined) {
      this.options.clock.clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    }
    const opening = this.opening;
    const closed = (async () => {
      if (opening) await opening.catch(() => undefined);
      await this.closeHandle();
    })().finally(() => this.listeners.clear());
    this.onDisposed(
      this,
      closed.catch(() => undefined),
    );
    return closed;
  }

  /**
   * Runs `fn` alone on this resource, in FIFO order with transactions, without opening the
   * handle. The queue bound applies.
   */
  private async exclusive<T>(requestLabel: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.disposed) throw this.closedError();
    if (this.mutex.isLocked() && this.waiting >= this.options.maxQueue) {
      throw new QueueFullError(
        `${this.label}: ${this.waiting} requests are already waiting${requestLabel ? ` (refused: ${requestLabel})` : ''}. The device cannot keep up: poll less often or send fewer messages.`,
        { resource: this.label },
      );
    }
    this.waiting++;
    let release: () => void;
    try {
      release = await this.mutex.acquire();
    } finally {
      this.waiting--;
    }
    try {
      if (this.disposed) throw this.closedError();
      return await fn();
    } finally {
      release();
    }
  }

  /** Closes the handle once the transaction in flight (and those queued before) are done. */
  closeWhenIdle(): Promise<void> {
    return this.exclusive('close', () => this.closeHandle());
  }

  /** Rule 4: FIFO, bounded queue, per-transaction timeout; rule 8: stale handle replaced once. */
  transact<T>(fn: (handle: H, signal: AbortSignal) => Promise<T>, options: TransactOptions = {}): Promise<T> {
    return this.exclusive(options.label, () => {
      const timeoutMs = options.timeoutMs ?? this.options.transactionTimeoutMs;
      // Transactions run one at a time, so they can share one controller until one of them is
      // aborted (creating an AbortSignal costs ~2 µs on Node 20, a tenth of a whole transaction).
      // Consumers remove their abort listeners when they finish, so nothing accumulates on it.
      if (this.abortController.signal.aborted) this.abortController = new AbortController();
      const controller = this.abortController;
      const work = this.runWithReplacement(fn, controller.signal);
      // No (or a nonsensical) limit means none: Node would turn Infinity into 1 ms.
      if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) return work;
      return new Promise<T>((resolve, reject) => {
        let settled = false;
        const timer = this.options.clock.setTimeout(() => {
          if (settled) return;
          settled = true;
          const err = new TimeoutError(
            `${options.label ?? 'Transaction'} on ${this.label} took longer than ${timeoutMs} ms. Check that the device is powered and wired, and its address and settings.`,
            { resource: this.label },
          );
          // The work is abandoned: its signal is aborted, so a well-behaved client stops and
          // drains; its later outcome is ignored below, never left unhandled.
          controller.abort(err);
          reject(err);
        }, timeoutMs);
        work.then(
          (value) => {
            if (settled) return;
            settled = true;
            this.options.clock.clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            if (settled) return;
            settled = true;
            this.options.clock.clearTimeout(timer);
            reject(err);
          },
        );
      });
    });
  }

  private async runWithReplacement<T>(
    fn: (handle: H, signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    const handle = await this.ensureOpen();
    try {
      return await fn(handle, signal);
    } catch (err) {
      if (signal.aborted || !isDeviceGone(err)) throw toLabbenchError(err, { resource: this.label });
      // Rule 8: the device went away. Close the old handle before opening a new one, retry once.
      this.lost = true;
      this.setState('closed', toLabbenchError(err, { resource: this.label }));
      if (this.handle === handle) await this.closeHandle().catch(() => undefined);
      let fresh: H | undefined;
      try {
        fresh = await this.ensureOpen();
        return await fn(fresh, signal);
      } catch (retryErr) {
        if (signal.aborted) throw toLabbenchError(retryErr, { resource: this.label });
        const mapped = toLabbenchError(retryErr, { resource: this.label });
        // The reopen itself failed: openWithRetry already said "went away" (the lost flag).
        if (fresh === undefined && mapped.code === 'E_DISCONNECTED') throw mapped;
        if (mapped.code === 'E_DISCONNECTED' || mapped.code === 'E_NOT_FOUND' || isDeviceGone(retryErr)) {
          // The fresh handle is as dead as the old one: drop it too, so the next use reopens.
          if (fresh !== undefined && this.handle === fresh) {
            this.lost = true;
            await this.closeHandle().catch(() => undefined);
          }
          throw new DisconnectedError(
            `${this.label} went away and could not be reopened (${mapped.message}). Check the cable and power; the next message tries again.`,
            { resource: this.label, cause: retryErr },
          );
        }
        throw mapped;
      }
    }
  }
}

export class Lease<H extends Closeable = Closeable> {
  private isReleased = false;

  constructor(
    readonly resource: SharedResource<H>,
    readonly holder: string,
    readonly claim: ProtocolClaim | undefined,
  ) {}

  get key(): ResourceKey {
    return this.resource.key;
  }

  get released(): boolean {
    return this.isReleased;
  }

  transact<T>(fn: (handle: H, signal: AbortSignal) => Promise<T>, options?: TransactOptions): Promise<T> {
    if (this.isReleased) {
      return Promise.reject(
        new ClosedError(
          `${this.holder} no longer holds ${this.resource.label} (released on redeploy or close).`,
          { resource: this.resource.label },
        ),
      );
    }
    return this.resource.transact(fn, options);
  }

  /** Opens the handle now rather than on first use (for an early "ready" status). */
  async open(): Promise<void> {
    await this.resource.ensureOpen();
  }

  /**
   * Idempotent. The last release closes the handle after a grace period — `graceMs`, else the
   * registry's default — or at once with `immediate`. A lease taken on the same resource within
   * the grace period keeps the handle open (SPEC §3 rule 2).
   */
  release(options: { immediate?: boolean; graceMs?: number } = {}): void {
    if (this.isReleased) return;
    this.isReleased = true;
    const graceMs = options.immediate ? 0 : (options.graceMs ?? this.resource.defaultGraceMs);
    this.resource.removeLease(this, graceMs);
  }
}

export class ResourceRegistry {
  private readonly resources = new Map<ResourceKey, SharedResource<Closeable>>();
  /** Closes still running for resources that left the map; a successor waits for them. */
  private readonly pendingCloses = new Map<ResourceKey, Promise<void>>();
  private readonly options: ResolvedOptions;

  constructor(options: RegistryOptions = {}) {
    this.options = {
      clock: options.clock ?? systemClock,
      graceMs: options.graceMs ?? 0,
      maxQueue: options.maxQueue ?? 64,
      transactionTimeoutMs: options.transactionTimeoutMs ?? 30_000,
      openRetryDelaysMs: options.openRetryDelaysMs ?? DEFAULT_OPEN_RETRY_DELAYS_MS,
      log: options.log ?? ((message) => console.warn(`[labbench] ${message}`)),
    };
  }

  /**
   * Takes a lease on the resource named by `spec.key`, creating the shared entry on first use.
   * Synchronous, and fails at once on a protocol or settings conflict (rule 3). The handle itself
   * opens on the first transaction.
   */
  acquire<H extends Closeable>(spec: ResourceSpec<H>): Lease<H> {
    let resource = this.resources.get(spec.key) as SharedResource<H> | undefined;
    if (resource && resource.leaseCount === 0) {
      // Only a grace period keeps it: a newcomer with another protocol simply replaces it.
      try {
        resource.checkClaim(spec.holder, spec.claim);
      } catch {
        resource.dispose().catch(() => undefined);
        resource = undefined;
      }
    }
    if (!resource) {
      const created: SharedResource<H> = new SharedResource<H>(
        spec.key,
        spec.label,
        spec.open,
        this.options,
        (gone, closed) => this.forget(gone as unknown as SharedResource<Closeable>, closed),
        this.pendingCloses.get(spec.key),
      );
      this.resources.set(spec.key, created as unknown as SharedResource<Closeable>);
      resource = created;
    }
    resource.checkClaim(spec.holder, spec.claim);
    const lease = new Lease<H>(resource, spec.holder, spec.claim);
    resource.addLease(lease);
    return lease;
  }

  private forget(resource: SharedResource<Closeable>, closed: Promise<void>): void {
    if (this.resources.get(resource.key) === resource) this.resources.delete(resource.key);
    // A successor on the same key opens only after the old handle is gone (rule 8's order).
    const pending = closed.finally(() => {
      if (this.pendingCloses.get(resource.key) === pending) this.pendingCloses.delete(resource.key);
    });
    this.pendingCloses.set(resource.key, pending);
  }

  get(key: ResourceKey): SharedResource<Closeable> | undefined {
    return this.resources.get(key);
  }

  keys(): ResourceKey[] {
    return [...this.resources.keys()];
  }

  private select(target: string | undefined): SharedResource<Closeable>[] {
    const all = [...this.resources.values()];
    if (target === undefined || target.trim() === '') return all;
    const key = resourceKey(target);
    return all.filter((r) => r.key === key);
  }

  /** Drops cached drivers; open handles stay open. */
  clear(target?: string): ClearReport {
    const report: ClearReport = { drivers: 0, closed: [], kept: [] };
    for (const resource of this.select(target)) {
      report.drivers += resource.cache.clear();
      report.kept.push(resource.key);
    }
    return report;
  }

  /** Drops cached drivers and closes handles, after the transaction in flight; next use reopens. */
  async clearAll(target?: string): Promise<ClearReport> {
    const report: ClearReport = { drivers: 0, closed: [], kept: [] };
    for (const resource of this.select(target)) {
      report.drivers += resource.cache.clear();
      const wasOpen = resource.state === 'open' || resource.state === 'opening';
      try {
        await resource.closeWhenIdle();
      } catch (err) {
        this.options.log(`clearAll: closing ${resource.label} failed: ${String(err)}`);
      }
      if (wasOpen) report.closed.push(resource.key);
    }
    return report;
  }

  /** Rule 9: closes every handle in reverse order of opening; collects errors, throws nothing. */
  async closeAll(): Promise<Error[]> {
    const errors: Error[] = [];
    const order = [...this.resources.values()].sort((a, b) => b.openedAt - a.openedAt);
    for (const resource of order) {
      try {
        await resource.dispose();
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        errors.push(e);
        this.options.log(`teardown: closing ${resource.label} failed: ${e.message}`);
      }
    }
    await Promise.all([...this.pendingCloses.values()]);
    return errors;
  }
}

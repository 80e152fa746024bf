/**
 * One shared physical resource: the one OS handle (serial port, VISA session) for a canonical
 * key, the one FIFO lock through which every transaction passes, the protocol claim, the driver
 * cache and the role guard. Users never see this object; they hold `Lease`s on it.
 */
import { Mutex } from 'async-mutex';
import { sleep } from './clock';
import { withDeadline } from './deadline';
import { DriverCache } from './driver-cache';
import type { LabbenchError } from './errors';
import {
  BusyError,
  ClosedError,
  DisconnectedError,
  QueueFullError,
  TimeoutError,
  hasErrorCode,
  isBusy,
  isDeviceGone,
  toLabbenchError,
} from './errors';
import type { ResourceKey } from './identity';
import type { LeaseToken } from './leases';
import { LeaseBook } from './leases';
import type {
  Closeable,
  ProtocolClaim,
  ResolvedRegistryOptions,
  ResourceState,
  StateListener,
  TransactOptions,
} from './resource-types';
import { observesClose } from './resource-types';
import { RoleGuard } from './roles';

export type { LeaseToken } from './leases';

/**
 * Where the handle is in its life. Each state carries exactly what it needs, so "a handle while
 * closed" or "opening after disposal" cannot be written down.
 *
 * `lost` (closed, opening, closing): the last handle died under us (device gone); a reopen that
 * finds no device then reports E_DISCONNECTED ("went away") rather than E_NOT_FOUND. A successful
 * open forgets it.
 */
type Lifecycle<H> =
  /** No handle. `draining`: an earlier handle's close still runs; the next open waits for it. */
  | { readonly kind: 'closed'; readonly lost: boolean; readonly draining?: Promise<void> }
  | { readonly kind: 'opening'; readonly lost: boolean; readonly opened: Promise<H> }
  /** `openedAt`: order of the open, for LIFO teardown. `unwatch` detaches the death listener. */
  | { readonly kind: 'open'; readonly handle: H; readonly openedAt: number; readonly unwatch: () => void }
  /** `done` never rejects: close failures are logged, and reported to whoever asked for the close. */
  | { readonly kind: 'closing'; readonly lost: boolean; readonly done: Promise<void> }
  /** Let go by the registry for good: every use fails with E_CLOSED. */
  | { readonly kind: 'disposed'; readonly done: Promise<void>; readonly handleClosing: boolean };

let openSequence = 0;

const noop = (): void => undefined;

export class SharedResource<H extends Closeable = Closeable> {
  readonly cache = new DriverCache();
  readonly roles: RoleGuard;
  private readonly mutex = new Mutex();
  private abortController = new AbortController();
  private readonly leases: LeaseBook;
  private readonly listeners = new Set<StateListener>();
  private life: Lifecycle<H>;
  private waiting = 0;
  private graceTimer: unknown;
  /** Aborted by dispose: stops a busy-retry wait so teardown does not sit out the schedule. */
  private readonly disposal = new AbortController();

  constructor(
    readonly key: ResourceKey,
    readonly label: string,
    private readonly opener: () => Promise<H>,
    private readonly options: ResolvedRegistryOptions,
    private readonly onDisposed: (resource: SharedResource<H>, closed: Promise<void>) => void,
    predecessorClosing?: Promise<void>,
  ) {
    this.roles = new RoleGuard(label);
    this.leases = new LeaseBook(label);
    this.life = { kind: 'closed', lost: false, draining: predecessorClosing };
  }

  get state(): ResourceState {
    const life = this.life;
    if (life.kind === 'disposed') return life.handleClosing ? 'closing' : 'closed';
    return life.kind;
  }

  get isDisposed(): boolean {
    return this.life.kind === 'disposed';
  }

  /** Order of the current handle's open (0 when none is open), for LIFO teardown. */
  get openedAt(): number {
    return this.life.kind === 'open' ? this.life.openedAt : 0;
  }

  get leaseCount(): number {
    return this.leases.size;
  }

  hasLease(token: LeaseToken): boolean {
    return this.leases.has(token);
  }

  /** Transactions waiting behind the one in flight. */
  get queueLength(): number {
    return this.waiting;
  }

  /** The protocol fixed by the first claiming lease, if any lease claims one. */
  get protocol(): string | undefined {
    return this.leases.protocol;
  }

  /** Holders of the current leases, for diagnostics. */
  holders(): string[] {
    return this.leases.holders();
  }

  onState(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(state: ResourceState, reason?: LabbenchError): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(state, reason);
      } catch (listenerError) {
        // A status listener must never break the resource; it is a bug in the listener.
        this.options.log(`state listener of ${this.label} threw: ${String(listenerError)}`);
      }
    }
  }

  /** The first claim fixes protocol and settings for the port; others must match. */
  checkClaim(holder: string, claim: ProtocolClaim | undefined): void {
    this.leases.check(holder, claim);
  }

  addLease(holder: string, claim: ProtocolClaim | undefined): LeaseToken {
    this.cancelGrace();
    return this.leases.add(holder, claim);
  }

  /** `graceMs`: how long the handle outlives its last lease (0 = close now). */
  removeLease(token: LeaseToken, graceMs: number): void {
    if (!this.leases.remove(token)) return;
    if (this.leases.size > 0 || this.isDisposed) return;
    // Close errors are logged by closeHandle; a release never throws or rejects.
    if (!(graceMs > 0)) {
      this.dispose().catch(noop);
      return;
    }
    this.graceTimer = this.options.clock.setTimeout(() => {
      this.graceTimer = undefined;
      if (this.leases.size === 0) this.dispose().catch(noop);
    }, graceMs);
  }

  private cancelGrace(): void {
    if (this.graceTimer === undefined) return;
    this.options.clock.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  /** The registry's default grace period. */
  get defaultGraceMs(): number {
    return this.options.graceMs;
  }

  /** Opens the handle if needed (once, however many callers), retrying while busy. */
  ensureOpen(): Promise<H> {
    const life = this.life;
    switch (life.kind) {
      case 'disposed':
        return Promise.reject(this.closedError());
      case 'open':
        return Promise.resolve(life.handle);
      case 'opening':
        return life.opened;
      case 'closed':
      case 'closing': {
        const drain = life.kind === 'closed' ? life.draining : life.done;
        const opened = this.openWithRetry(drain);
        this.life = { kind: 'opening', lost: life.lost, opened };
        return opened;
      }
    }
  }

  private lostNow(): boolean {
    const life = this.life;
    return life.kind === 'closed' || life.kind === 'opening' || life.kind === 'closing' ? life.lost : false;
  }

  /** Back to closed after a failed open (unless disposed meanwhile), reporting why. */
  private openFailed(reason: LabbenchError | undefined): void {
    if (this.life.kind !== 'disposed') this.life = { kind: 'closed', lost: this.lostNow() };
    this.emit('closed', reason);
  }

  private async openWithRetry(drain: Promise<void> | undefined): Promise<H> {
    if (drain) await drain;
    this.emit('opening');
    const delays = this.options.openRetryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await this.opener();
        if (this.isDisposed) {
          // Torn down while we were opening: do not leak the new handle.
          await handle.close().catch(noop);
          throw this.closedError();
        }
        this.adopt(handle);
        return handle;
      } catch (err) {
        if (hasErrorCode(err, 'E_CLOSED')) throw err;
        if (isBusy(err) && attempt < delays.length) {
          try {
            await sleep(this.options.clock, delays[attempt]!, this.disposal.signal);
          } catch {
            this.openFailed(undefined);
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
        if (this.lostNow() && (failure.code === 'E_NOT_FOUND' || failure.code === 'E_DISCONNECTED')) {
          failure = new DisconnectedError(
            `${this.label} went away and could not be reopened (${failure.message}). Check the cable and power; the next message tries again.`,
            { resource: this.label, cause: err },
          );
        }
        this.openFailed(failure);
        throw failure;
      }
    }
  }

  private adopt(handle: H): void {
    let unwatch = noop;
    if (observesClose(handle)) {
      // A handle that dies between transactions (unplug, socket reset) is dropped here; the
      // next transaction opens a fresh one. The dead handle is still closed (it may hold an OS
      // descriptor and a port lock), and the next open waits for that close.
      unwatch = handle.onClose((err) => {
        if (!this.isCurrent(handle)) return;
        this.closeHandle(true).catch(noop);
        const life = this.life;
        if (life.kind === 'closing') this.life = { kind: 'closed', lost: true, draining: life.done };
        const reason = err ? toLabbenchError(err, { resource: this.label, action: 'Connection' }) : undefined;
        this.emit(
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
    this.life = { kind: 'open', handle, openedAt: ++openSequence, unwatch };
    this.emit('open');
  }

  private isCurrent(handle: H): boolean {
    return this.life.kind === 'open' && this.life.handle === handle;
  }

  /**
   * Closes the OS handle (if any); the resource stays usable and reopens on the next use.
   * `lost`: the handle died (device gone), which colours the next failed reopen.
   */
  closeHandle(lost = false): Promise<void> {
    const life = this.life;
    if (life.kind === 'closing') return life.done;
    if (life.kind === 'closed') return life.draining ?? Promise.resolve();
    if (life.kind !== 'open') return Promise.resolve();
    life.unwatch();
    const handle = life.handle;
    // A close that throws synchronously is a failed close like any other (collected, logged).
    const closing: Promise<void> = Promise.resolve()
      .then(() => handle.close())
      .catch((err: unknown) => {
        this.options.log(`closing ${this.label} failed: ${String(err)}`);
        throw err;
      })
      .finally(() => this.closeFinished(done));
    const done = closing.catch(noop);
    this.life = { kind: 'closing', lost, done };
    this.emit('closing');
    return closing;
  }

  private closeFinished(done: Promise<void>): void {
    const life = this.life;
    if (life.kind === 'closing' && life.done === done) {
      this.life = { kind: 'closed', lost: life.lost };
      this.emit('closed');
    } else if (life.kind === 'closed' && life.draining === done) {
      this.life = { kind: 'closed', lost: life.lost };
    } else if (life.kind === 'disposed' && life.handleClosing) {
      this.life = { ...life, handleClosing: false };
      this.emit('closed');
    }
  }

  private closedError(): ClosedError {
    return new ClosedError(
      `${this.label} has been closed (node removed, redeployed or Node-RED stopping). Send the message again after the deploy finishes.`,
      { resource: this.label },
    );
  }

  /** Releases the resource for good: cancels waits, closes the handle, leaves the registry. */
  dispose(): Promise<void> {
    if (this.life.kind === 'disposed') return this.life.done;
    this.disposal.abort();
    this.cancelGrace();
    const closing = this.life.kind === 'open' ? this.closeHandle() : undefined;
    const prior = this.life;
    const closed = (async () => {
      // An open in flight sees the disposal and closes what it opened.
      if (prior.kind === 'opening') await prior.opened.catch(noop);
      if (closing) await closing;
      else if (prior.kind === 'closing') await prior.done;
      else if (prior.kind === 'closed' && prior.draining) await prior.draining;
    })().finally(() => this.listeners.clear());
    const done = closed.catch(noop);
    this.life = { kind: 'disposed', done, handleClosing: prior.kind === 'closing' };
    this.onDisposed(this, done);
    return closed;
  }

  /**
   * Runs `fn` alone on this resource, in FIFO order with transactions, without opening the
   * handle. The queue bound applies.
   */
  private async exclusive<T>(requestLabel: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.isDisposed) throw this.closedError();
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
      if (this.isDisposed) throw this.closedError();
      return await fn();
    } finally {
      release();
    }
  }

  /** Closes the handle once the transaction in flight (and those queued before) are done. */
  closeWhenIdle(): Promise<void> {
    return this.exclusive('close', () => this.closeHandle());
  }

  /**
   * FIFO, bounded queue, per-transaction timeout; a handle found dead is replaced once and the
   * transaction retried.
   */
  transact<T>(fn: (handle: H, signal: AbortSignal) => Promise<T>, options: TransactOptions = {}): Promise<T> {
    return this.exclusive(options.label, () => {
      const timeoutMs = options.timeoutMs ?? this.options.transactionTimeoutMs;
      // Transactions run one at a time, so they can share one controller until one of them is
      // aborted (creating an AbortSignal costs ~2 µs on Node 20, a tenth of a whole transaction).
      // Consumers remove their abort listeners when they finish, so nothing accumulates on it.
      if (this.abortController.signal.aborted) this.abortController = new AbortController();
      const controller = this.abortController;
      const work = this.runWithReplacement(fn, controller.signal);
      return withDeadline(this.options.clock, work, timeoutMs, () => {
        const err = new TimeoutError(
          `${options.label ?? 'Transaction'} on ${this.label} took longer than ${timeoutMs} ms. Check that the device is powered and wired, and its address and settings.`,
          { resource: this.label },
        );
        // The work is abandoned: its signal is aborted, so a well-behaved client stops and drains.
        controller.abort(err);
        return err;
      });
    });
  }

  /** Marks the resource as having lost its device, in whatever state it is. */
  private markLost(): void {
    const life = this.life;
    if (life.kind === 'closed' || life.kind === 'opening' || life.kind === 'closing') {
      this.life = { ...life, lost: true };
    }
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
      // The device went away. Close the old handle before opening a new one, retry once.
      this.emit('closed', toLabbenchError(err, { resource: this.label }));
      if (this.isCurrent(handle)) await this.closeHandle(true).catch(noop);
      else this.markLost();
      let fresh: H | undefined;
      try {
        fresh = await this.ensureOpen();
        return await fn(fresh, signal);
      } catch (retryErr) {
        if (signal.aborted) throw toLabbenchError(retryErr, { resource: this.label });
        const mapped = toLabbenchError(retryErr, { resource: this.label });
        // The reopen itself failed: openWithRetry already said "went away" (the lost mark).
        if (fresh === undefined && mapped.code === 'E_DISCONNECTED') throw mapped;
        if (mapped.code === 'E_DISCONNECTED' || mapped.code === 'E_NOT_FOUND' || isDeviceGone(retryErr)) {
          // The fresh handle is as dead as the old one: drop it too, so the next use reopens.
          if (fresh !== undefined && this.isCurrent(fresh)) await this.closeHandle(true).catch(noop);
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

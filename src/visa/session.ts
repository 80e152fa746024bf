/**
 * A SCPI session on one MessageTransport: LF termination, reply timeouts, the error queue, and
 * recovery from the two ways an instrument can leave a session out of step:
 *
 * 1. A timed-out or aborted query whose reply may still arrive later (and would then be read as
 *    the answer to the next query). The next call first clears the device and drains the error
 *    queue, and every drain ignores replies that are not error-queue entries.
 * 2. The 2281S quirk [lager-hw]: after a rejected command the next query can get no reply at all,
 *    and reading `:SYST:ERR?` right after the bad command cures it. Writes therefore read the
 *    error queue by default. Whether `:SYST:ERR?` itself can be the swallowed query is
 *    UNVERIFIED, so a drain that times out clears the device and drains once more; a query that
 *    times out after an unchecked write (the quirk's signature) is retried once after the drain.
 *
 * One request in flight: every public call runs under a mutex, so the session is safe even
 * without the registry lease (which adds FIFO order and per-transaction timeouts on top). Under a
 * lease the mutex is not redundant: when a transaction times out, the registry moves its queue
 * on while the abandoned work is still unwinding (its signal aborted); this mutex keeps the next
 * transaction's bytes from interleaving with it. Uncontended it costs ~2 µs a call (benchmark s5).
 */
import { Mutex } from 'async-mutex';
import { ClosedError, InvalidInputError, ProtocolError, TimeoutError } from '../core/errors';
import { stripTerminator } from '../transport/line-framer';
import {
  formatScpiCommand,
  isScpiQuery,
  parseScpiError,
  requireProgramMessage,
  scpiDeviceError,
} from './scpi-format';
import type {
  Closeable,
  MessageTransport,
  ScpiCallOptions,
  ScpiErrorEntry,
  ScpiParam,
  ScpiWriteOptions,
} from './types';

export interface ScpiSessionOptions {
  /** Default reply timeout, ms (the `labbench-visa` node's `timeout`, default 5000). */
  timeoutMs?: number;
  /** Name for messages; default the transport's label. */
  resource?: string;
  /** Most `:SYST:ERR?` reads per drain (a queue that never says "No error" must not loop forever). */
  maxErrorDrain?: number;
  /**
   * Errors found while recovering that belong to no current caller (they were caused by an earlier
   * unchecked write or an abandoned query). Called synchronously; must not throw.
   */
  onOrphanErrors?: (errors: readonly ScpiErrorEntry[]) => void;
}

const ERROR_QUERY = ':SYST:ERR?';
/** Replies that are not error entries tolerated per drain step (late answers to old queries). */
const MAX_STALE_REPLIES = 4;
/** Abandoned requests whose late replies we are prepared to skip. */
const MAX_OWED = 8;

export class ScpiSession implements Closeable {
  readonly label: string;
  readonly timeoutMs: number;
  private readonly mutex = new Mutex();
  private readonly maxErrorDrain: number;
  private readonly onOrphanErrors: ((errors: readonly ScpiErrorEntry[]) => void) | undefined;
  /** A reply may be outstanding (timeout/abort): clear and drain before the next request. */
  private outOfStep = false;
  /** An unchecked write went out: a following silent query is probably the parser quirk. */
  private unchecked = false;
  /** Replies to abandoned requests that may still arrive on a byte stream (skipped by the drain). */
  private owed = 0;
  private closed = false;
  private epoch = 0;

  constructor(
    readonly transport: MessageTransport,
    options: ScpiSessionOptions = {},
  ) {
    this.label = options.resource ?? transport.label;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxErrorDrain = options.maxErrorDrain ?? 32;
    this.onOrphanErrors = options.onOrphanErrors;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Bumped whenever something outside a driver's knowledge may have changed the instrument's
   * state (a free-form SCPI transaction). Drivers that cache instrument state (the 2281S entry
   * function) remember the epoch they read it in and read it again when it moved.
   */
  get stateEpoch(): number {
    return this.epoch;
  }

  /** Declares every driver's cached instrument state unknown (see `stateEpoch`). */
  markStateUnknown(): void {
    this.epoch++;
  }

  /**
   * Sends one command. By default reads the error queue afterwards and fails with DeviceError
   * (err.deviceCode = the SCPI code) when the instrument refused it; `allow` lists codes that are
   * drained but not treated as failures (e.g. -222 for values the instrument rounds).
   */
  async write(
    command: string,
    options: ScpiWriteOptions & { allow?: readonly number[] } = {},
  ): Promise<void> {
    requireProgramMessage(command, 'Command');
    if (isScpiQuery(command)) {
      throw new InvalidInputError(
        `Command ${JSON.stringify(command)} is a query; use query() so its reply is read.`,
      );
    }
    await this.exclusive(async () => {
      await this.resync(options);
      await this.send(command, options);
      if (options.check === false) {
        this.unchecked = true;
        return;
      }
      const errors = await this.drainForCaller(options);
      const refused = errors.filter((e) => !(options.allow ?? []).includes(e.code));
      if (refused.length > 0) throw scpiDeviceError(refused, JSON.stringify(command), this.label);
    });
  }

  /** Sends a query and returns its reply without the terminator. */
  async query(command: string, options: ScpiCallOptions = {}): Promise<string> {
    return textOf(await this.queryBytes(command, options));
  }

  /**
   * Sends a query and returns the reply's bytes exactly as received, terminator included: what
   * binary replies need (IEEE 488.2 blocks, decoded by src/visa/blocks.ts). Recovery as `query`.
   */
  async queryBytes(command: string, options: ScpiCallOptions = {}): Promise<Buffer> {
    requireProgramMessage(command, 'Query');
    if (!isScpiQuery(command)) {
      throw new InvalidInputError(
        `Query ${JSON.stringify(command)} has no "?"; the instrument would not answer it.`,
      );
    }
    return this.exclusive(async () => {
      await this.resync(options);
      const wasUnchecked = this.unchecked;
      try {
        return await this.ask(command, options);
      } catch (err) {
        if (!(err instanceof TimeoutError) || options.signal?.aborted) throw err;
        // No reply: either the instrument refused the query (e.g. 700 for a command of the other
        // entry function: "mode-enforcing queries can take a full timeout"), or an earlier
        // unchecked write left the parser in the quirk state. The error queue tells which.
        const errors = await this.recover(options);
        if (errors.length > 0 && !wasUnchecked) {
          throw scpiDeviceError(errors, JSON.stringify(command), this.label, err);
        }
        if (errors.length > 0) this.reportOrphans(errors);
        if (!wasUnchecked) throw err;
        // Quirk recovery: the parser is healthy again after the drain; ask once more.
        return await this.ask(command, options);
      }
    });
  }

  /** `write(formatScpiCommand(header, params))`: parameters validated before anything is sent. */
  async writeCommand(
    header: string,
    params: readonly ScpiParam[] = [],
    options: ScpiWriteOptions & { allow?: readonly number[] } = {},
  ): Promise<void> {
    return this.write(formatScpiCommand(header, params), options);
  }

  /** `query(formatScpiCommand(header, params))` for queries with parameters (`:BATT:MOD3:VOC?`). */
  async queryCommand(
    header: string,
    params: readonly ScpiParam[] = [],
    options: ScpiCallOptions = {},
  ): Promise<string> {
    return this.query(formatScpiCommand(header, params), options);
  }

  /** Reads `:SYST:ERR?` until `0,"No error"`; returns the entries (empty when the queue was clean). */
  async readErrorQueue(options: ScpiCallOptions = {}): Promise<ScpiErrorEntry[]> {
    return this.exclusive(async () => {
      await this.resync(options);
      return this.drainForCaller(options);
    });
  }

  /** Drains the error queue and fails with DeviceError if it held anything (after batch writes). */
  async checkErrors(context = 'the previous commands', options: ScpiCallOptions = {}): Promise<void> {
    const errors = await this.readErrorQueue(options);
    if (errors.length > 0) throw scpiDeviceError(errors, context, this.label);
  }

  /** Device clear (where the transport has one), then drains and returns the error queue. */
  async clear(options: ScpiCallOptions = {}): Promise<ScpiErrorEntry[]> {
    return this.exclusive(() => this.recover(options));
  }

  /** Forwards the transport's death notice, so the registry drops a dead session between calls. */
  onClose(listener: (err?: Error) => void): () => void {
    return this.transport.onClose?.(listener) ?? ((): void => undefined);
  }

  /** Closes the transport. Idempotent; never throws (teardown collects, it does not fail). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.transport.close();
    } catch {
      // The handle is being dropped either way; a failing close must not break teardown.
    }
  }

  // --- internals -----------------------------------------------------------------------------

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed)
      throw new ClosedError(`The session to ${this.label} is closed.`, { resource: this.label });
    return this.mutex.runExclusive(async () => {
      if (this.closed)
        throw new ClosedError(`The session to ${this.label} is closed.`, { resource: this.label });
      return fn();
    });
  }

  private timeoutOf(options: ScpiCallOptions): number {
    return options.timeoutMs ?? this.timeoutMs;
  }

  private async send(command: string, options: ScpiCallOptions): Promise<void> {
    try {
      await this.transport.write(Buffer.from(`${command}\n`, 'latin1'), options.signal);
    } catch (err) {
      // A write cut short by an abort may have left half a message in the instrument's buffer.
      this.outOfStep = true;
      throw err;
    }
  }

  /** One reply, terminator stripped. Bookkeeping on failure is the caller's. */
  private async receive(options: ScpiCallOptions): Promise<string> {
    return textOf(await this.receiveBytes(options));
  }

  /** One reply as received. */
  private async receiveBytes(options: ScpiCallOptions): Promise<Buffer> {
    try {
      return await this.transport.read(this.timeoutOf(options), options.signal);
    } catch (err) {
      if (err instanceof TimeoutError && !options.signal?.aborted) {
        throw new TimeoutError(
          `${this.label} did not answer within ${this.timeoutOf(options)} ms. Check that it is on and connected, and that the resource string is right.`,
          { resource: this.label, cause: err },
        );
      }
      throw err;
    }
  }

  /** A reply that did not come in time may still come: remember we owe one, resync before reuse. */
  private missedReply(): void {
    this.outOfStep = true;
    this.owed = Math.min(this.owed + 1, MAX_OWED);
  }

  private async ask(command: string, options: ScpiCallOptions): Promise<Buffer> {
    await this.send(command, options);
    let reply: Buffer;
    try {
      reply = await this.receiveBytes(options);
    } catch (err) {
      this.missedReply();
      throw err;
    }
    this.unchecked = false;
    return reply;
  }

  /** Before a new request: bring the session back in step if an earlier one was cut short. */
  private async resync(options: ScpiCallOptions): Promise<void> {
    if (!this.outOfStep) return;
    const errors = await this.recover(options);
    if (errors.length > 0) this.reportOrphans(errors);
  }

  /** Device clear + drain. Clears the out-of-step and quirk flags when it succeeds. */
  private async recover(options: ScpiCallOptions): Promise<ScpiErrorEntry[]> {
    if (this.transport.clear) await this.transport.clear();
    // Only a clear that reaches the instrument cancels the replies we still owe.
    if (this.transport.clearsDevice) this.owed = 0;
    this.outOfStep = this.owed > 0;
    const errors = await this.drain(options);
    this.outOfStep = false;
    this.unchecked = false;
    return errors;
  }

  /**
   * A drain on behalf of a caller: if `:SYST:ERR?` itself gets no reply (the quirk swallowing
   * it — UNVERIFIED whether the real 2281S does that), clear the device and drain once more.
   */
  private async drainForCaller(options: ScpiCallOptions): Promise<ScpiErrorEntry[]> {
    try {
      const errors = await this.drain(options);
      this.unchecked = false;
      return errors;
    } catch (err) {
      if (!(err instanceof TimeoutError) || options.signal?.aborted) throw err;
      return this.recover(options);
    }
  }

  /**
   * Reads `:SYST:ERR?` until `0,"No error"`. Replies still owed to abandoned requests arrive first
   * on a byte stream (FIFO) and are skipped, as is anything that is not an error entry. If we then
   * wait in vain, the owed reply never existed (a swallowed query), so the last reply we skipped
   * was in fact the answer to our `:SYST:ERR?`: it is taken back instead of failing.
   */
  private async drain(options: ScpiCallOptions): Promise<ScpiErrorEntry[]> {
    const errors: ScpiErrorEntry[] = [];
    for (let i = 0; i < this.maxErrorDrain; i++) {
      await this.send(ERROR_QUERY, options);
      let entry: ScpiErrorEntry | undefined;
      let skippedEntry: ScpiErrorEntry | undefined;
      for (let skipped = 0; entry === undefined; skipped++) {
        let reply: string;
        try {
          reply = await this.receive(options);
        } catch (err) {
          if (err instanceof TimeoutError && skippedEntry !== undefined && !options.signal?.aborted) {
            this.owed = 0;
            entry = skippedEntry;
            break;
          }
          this.missedReply();
          throw err;
        }
        const parsed = parseScpiError(reply);
        if (this.owed > 0) {
          this.owed--;
          skippedEntry = parsed;
        } else if (parsed !== undefined) {
          entry = parsed;
        }
        if (entry === undefined && skipped >= MAX_STALE_REPLIES + MAX_OWED) {
          this.outOfStep = true;
          throw new ProtocolError(
            `${this.label} answered ${ERROR_QUERY} with ${JSON.stringify(reply.slice(0, 60))}, which is not an error-queue entry.`,
            { resource: this.label },
          );
        }
      }
      if (entry.code === 0) return errors;
      errors.push(entry);
    }
    return errors;
  }

  private reportOrphans(errors: readonly ScpiErrorEntry[]): void {
    try {
      this.onOrphanErrors?.(errors);
    } catch {
      // A logging callback must not break the session.
    }
  }
}

/** A reply's text: latin1 (bytes as they are), terminator stripped. */
function textOf(reply: Buffer): string {
  return stripTerminator(reply.toString('latin1'));
}

/**
 * The master's side of a shared half-duplex line (an RS-485 bus behind one port, or a serial
 * device server): every request on the port goes through the lease's FIFO lock, so one request is
 * in flight per port whatever the number of devices and nodes. Per exchange: wait out the
 * inter-frame silence, drop stale input, send, read the reply; retry corrupt or missing replies;
 * map the outcome to ProtocolError (corrupt after retries) or TimeoutError (silent after retries).
 *
 * The line's timing (when it next may speak, whether stray input may wait) belongs to the open
 * port itself, kept beside the stream object: clearing the driver cache does not reset it, and a
 * reopened port starts fresh, as a fresh port should.
 */
import type { Clock } from '../core/clock';
import { sleep } from '../core/clock';
import { ProtocolError, TimeoutError } from '../core/errors';
import type { TransactOptions } from '../core/resource-types';
import type { AttemptOutcome, BusTraits, EchoKnowledge, ReplyReader } from './exchange';
import { runAttempt, transactionClock } from './exchange';
import type { ByteStream } from './types';

/** Exclusive access to a stream: a `Lease<ByteStream>` is one. */
export interface StreamPort {
  /** Human form of the port for messages, e.g. "/dev/ttyUSB0". */
  readonly label: string;
  transact<T>(
    fn: (stream: ByteStream, signal: AbortSignal) => Promise<T>,
    options?: TransactOptions,
  ): Promise<T>;
}

export interface LineOptions {
  /** Time to wait for each reply (default 500 ms). */
  replyTimeoutMs?: number;
  /** Further attempts after a corrupt or missing reply (default 2). */
  retries?: number;
  /** Quiet time between the end of one exchange and the next request (default 2 ms). */
  interFrameGapMs?: number;
  /** See AttemptOptions.corruptSettleMs (default 20 ms). */
  corruptSettleMs?: number;
  clock?: Clock;
}

export type ResolvedLineOptions = Required<LineOptions>;

export function resolveLineOptions(options: LineOptions = {}, defaultGapMs = 2): ResolvedLineOptions {
  return {
    replyTimeoutMs: options.replyTimeoutMs ?? 500,
    retries: options.retries ?? 2,
    interFrameGapMs: options.interFrameGapMs ?? defaultGapMs,
    corruptSettleMs: options.corruptSettleMs ?? 20,
    clock: options.clock ?? transactionClock,
  };
}

/** Describes an exchange for messages. */
export interface ExchangeContext {
  /** "read setPoint (7001) instance 1" */
  what: string;
  /** 'Watlow "oven" (Std Bus address 1 on /dev/ttyUSB0)' */
  where: string;
  /** What to check when nothing comes back. */
  silentHint: string;
}

/** The timing of one open port, shared by every device and protocol client on it. */
interface LineTiming {
  /** The line's clock time before which nobody may send (the inter-frame silence). */
  quietUntil: number;
  /**
   * Whether stray input may be waiting: true on a fresh port and after any attempt that did not
   * end in a clean reply (timeout, corruption, abort). Flushing (a tcflush syscall) only then
   * keeps it off the common path; the fresh reader of each attempt ignores older bytes anyway.
   */
  dirty: boolean;
  /** What the exchanges so far told about the adapter's echo (see ReplyReader.echoObserved). */
  echo: EchoKnowledge;
}

const timings = new WeakMap<ByteStream, LineTiming>();

function timingOf(stream: ByteStream): LineTiming {
  let timing = timings.get(stream);
  if (!timing) {
    timing = { quietUntil: 0, dirty: true, echo: 'unknown' };
    timings.set(stream, timing);
  }
  return timing;
}

/**
 * Upper bound of `exchanges` exchanges with all their retries, plus a second of slack: the
 * registry's safety-net timeout for a transaction that runs them.
 */
export function exchangeBudgetMs(options: ResolvedLineOptions, exchanges = 1, extraMs = 0): number {
  const o = options;
  const one = (o.replyTimeoutMs + o.interFrameGapMs + o.corruptSettleMs) * (o.retries + 1);
  return one * exchanges + 1000 + extraMs;
}

/**
 * Runs `fn` as ONE transaction of `port`: the port handed to `fn` runs its exchanges directly on
 * the stream already held, so requests that belong together (a write and its read-back, the
 * parts of a split read) follow each other with nothing from another master in between. Inside
 * `fn`, use only the held port: the port's lock is not re-entrant, so asking `port` again would
 * wait for itself. `budgetMs` bounds the whole.
 */
export function inOneTransaction<T>(
  port: StreamPort,
  budgetMs: number,
  label: string,
  fn: (held: StreamPort) => Promise<T>,
): Promise<T> {
  return port.transact(
    (stream, signal) =>
      fn({
        label: port.label,
        transact: (inner) => inner(stream, signal),
      }),
    { timeoutMs: budgetMs, label },
  );
}

export class FramedLine {
  constructor(
    readonly port: StreamPort,
    readonly options: ResolvedLineOptions,
  ) {}

  get portLabel(): string {
    return this.port.label;
  }

  /**
   * Runs `fn` as one transaction of the port (see inOneTransaction) with a line on the held
   * port; `exchanges` (with their retries) bound its time.
   */
  inOneTransaction<T>(exchanges: number, label: string, fn: (line: FramedLine) => Promise<T>): Promise<T> {
    const budget = exchangeBudgetMs(this.options, exchanges);
    return inOneTransaction(this.port, budget, label, (held) => fn(new FramedLine(held, this.options)));
  }

  /** Upper bound of one exchange with all its retries: the registry's safety-net timeout. */
  private budgetMs(extraMs = 0): number {
    return exchangeBudgetMs(this.options, 1, extraMs);
  }

  /**
   * Waits until `line.quietUntil`, to the sub-millisecond: the inter-frame silence before a
   * request, or a broadcast's turnaround after it.
   */
  private async waitQuiet(line: LineTiming, signal: AbortSignal): Promise<void> {
    const { clock } = this.options;
    // The silence is a protocol minimum, measured to the sub-millisecond: whole milliseconds on a
    // timer (which runs on libuv's millisecond loop clock, so it is re-checked), then the
    // remainder a turn of the event loop at a time, so a 1.75 ms gap is not 3 ms. The remainder
    // is asked for as what it is (a fraction of a millisecond), not as 0: the line's clock turns
    // a sub-millisecond delay into one turn of the event loop, and a manual test clock moves by
    // exactly that much instead of firing a zero delay forever at the same instant.
    for (let wait = line.quietUntil - clock.now(); wait > 0; wait = line.quietUntil - clock.now()) {
      await sleep(clock, wait >= 1 ? Math.floor(wait) : wait, signal);
    }
  }

  /** Waits out the silence the line owes, then drops stale input if any. */
  private async prepare(stream: ByteStream, line: LineTiming, signal: AbortSignal): Promise<void> {
    await this.waitQuiet(line, signal);
    // Stale bytes (a late reply to a timed-out request, an echo) must not be taken for ours:
    // after a failed attempt, flush what the OS holds; the fresh reader ignores anything older.
    if (line.dirty) await stream.flushInput();
  }

  /**
   * One request and its reply, with retries. `call.signal` aborts it besides the registry's own
   * signal; `call.replyTimeoutMs` overrides the line's reply timeout for this request.
   */
  exchange<R>(
    request: Uint8Array,
    makeReader: (bus: BusTraits) => ReplyReader<R>,
    context: ExchangeContext,
    call: { signal?: AbortSignal; replyTimeoutMs?: number } = {},
  ): Promise<R> {
    const { clock, retries, interFrameGapMs, corruptSettleMs } = this.options;
    const replyTimeoutMs = call.replyTimeoutMs ?? this.options.replyTimeoutMs;
    return this.port.transact(
      async (stream, registrySignal) => {
        const signal = call.signal ? AbortSignal.any([registrySignal, call.signal]) : registrySignal;
        const line = timingOf(stream);
        let lastCorruption: string | undefined;
        let bytesHeard = 0;
        for (let attempt = 0; attempt <= retries; attempt++) {
          // Made before the silence is waited out, so that the request follows its end at once
          // (the line's echo knowledge cannot change meanwhile: this transaction holds the port).
          const reader = makeReader({ echo: line.echo });
          await this.prepare(stream, line, signal);
          let outcome: AttemptOutcome<R> | undefined;
          line.dirty = true;
          try {
            outcome = await runAttempt(stream, request, reader, {
              clock,
              replyTimeoutMs,
              corruptSettleMs,
              signal,
            });
          } finally {
            // The silence runs from the reply's last byte; after a failed attempt, from now (the
            // line's last activity is unknown, so the later bound is the safe one).
            const lineIdleSince = outcome?.kind === 'reply' ? outcome.endedAt : clock.now();
            line.quietUntil = lineIdleSince + interFrameGapMs;
          }
          if (outcome.kind === 'reply') {
            line.dirty = false;
            if (reader.echoObserved !== undefined) line.echo = reader.echoObserved ? 'seen' : 'absent';
            return outcome.reply;
          }
          if (outcome.kind === 'corrupt') lastCorruption = outcome.defect;
          else bytesHeard += outcome.bytesSeen;
        }
        const attempts = `${retries + 1} attempt${retries === 0 ? '' : 's'} of ${replyTimeoutMs} ms`;
        if (lastCorruption !== undefined) {
          throw new ProtocolError(
            `Corrupt reply from ${context.where} to ${context.what} after ${attempts} (last: ${lastCorruption}). Check RS-485 termination, grounding and cable length, and that no other master or a second device with the same address is on the bus.`,
            { resource: this.portLabel },
          );
        }
        const noise = bytesHeard > 0 ? ` (${bytesHeard} bytes heard, none a valid reply)` : '';
        throw new TimeoutError(
          `No reply from ${context.where} to ${context.what} after ${attempts}${noise}. ${context.silentHint}`,
          { resource: this.portLabel },
        );
      },
      {
        timeoutMs: this.budgetMs((replyTimeoutMs - this.options.replyTimeoutMs) * (retries + 1)),
        label: `${context.what} (${context.where})`,
      },
    );
  }

  /**
   * Sends a request nobody answers (a broadcast), then keeps the line quiet for `turnaroundMs` so
   * every device has processed it before the next request.
   */
  send(
    request: Uint8Array,
    turnaroundMs: number,
    context: Pick<ExchangeContext, 'what' | 'where'>,
  ): Promise<void> {
    const { clock } = this.options;
    return this.port.transact(
      async (stream, signal) => {
        const line = timingOf(stream);
        await this.prepare(stream, line, signal);
        try {
          await stream.write(request);
        } finally {
          line.quietUntil = clock.now() + Math.max(turnaroundMs, this.options.interFrameGapMs);
        }
        // The turnaround is part of the request: the caller's next step may assume it is over.
        await this.waitQuiet(line, signal);
      },
      { timeoutMs: this.budgetMs(turnaroundMs), label: `${context.what} (${context.where})` },
    );
  }
}

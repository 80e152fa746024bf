/**
 * The client side of one serial line (one shared port): every Watlow transaction on the port goes
 * through here, inside the lease's FIFO lock (`Lease.transact`), so one request is in flight per
 * port whatever the number of controllers and nodes. Per transaction: wait out the inter-frame
 * gap, drop stale input, send, read the reply; retry corrupt or missing replies; map the outcome to
 * ProtocolError (corrupt after retries) or TimeoutError (silent after retries).
 */
import type { Clock } from '../core/clock';
import { sleep } from '../core/clock';
import { ProtocolError, TimeoutError } from '../core/errors';
import type { Lease } from '../core/registry';
import type { ByteStream } from '../transport/types';
import type { BusTraits, ReplyReader } from './exchange';
import type { WatlowProtocol } from './types';
import { runAttempt, transactionClock } from './exchange';

export interface LineOptions {
  /** Time to wait for each reply (SPEC `timeout`, default 500 ms). */
  replyTimeoutMs?: number;
  /** Further attempts after a corrupt or missing reply (SPEC `retries`, default 2). */
  retries?: number;
  /**
   * Quiet time between the end of one exchange and the next request. Default: derived from the
   * protocol and baud rate by `defaultInterFrameGapMs`.
   */
  interFrameGapMs?: number;
  /** See AttemptOptions.corruptSettleMs (default 20 ms). */
  corruptSettleMs?: number;
  clock?: Clock;
}

export interface ResolvedLineOptions {
  replyTimeoutMs: number;
  retries: number;
  interFrameGapMs: number;
  corruptSettleMs: number;
  clock: Clock;
}

/**
 * The silence the protocol itself asks for between frames. Modbus RTU: 3.5 character times
 * (11 bits each), fixed at 1.75 ms above 19200 baud (Modbus over serial line §2.5.1.1). Std Bus:
 * Watlow publishes no figure; the spec's recommendation is at least 2 ms (BACnet MS/TP's 40-bit
 * turnaround is 1.04 ms at 38400, and USB–RS-485 bridges deliver bytes in bursts).
 */
export function defaultInterFrameGapMs(protocol: WatlowProtocol, baudRate: number): number {
  if (protocol === 'modbus') return baudRate > 19200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
  return Math.max(2, (40 * 1000) / baudRate);
}

export function resolveLineOptions(
  options: LineOptions = {},
  wire: { protocol: WatlowProtocol; baudRate: number } = { protocol: 'stdbus', baudRate: 38400 },
): ResolvedLineOptions {
  return {
    replyTimeoutMs: options.replyTimeoutMs ?? 500,
    retries: options.retries ?? 2,
    interFrameGapMs: options.interFrameGapMs ?? defaultInterFrameGapMs(wire.protocol, wire.baudRate),
    corruptSettleMs: options.corruptSettleMs ?? 20,
    clock: options.clock ?? transactionClock,
  };
}

/** Describes a transaction for messages. */
export interface ExchangeContext {
  /** "read setPoint (7001) instance 1" */
  what: string;
  /** 'Watlow "oven" (Std Bus address 1 on /dev/ttyUSB0)' */
  where: string;
  /** What to check when nothing comes back. */
  silentHint: string;
}

/** Per-port state shared by every controller on the port (kept in the resource's driver cache). */
interface LineState {
  quietUntil: number;
  transactions: number;
  /**
   * Whether stray input may be waiting: true on a fresh port and after any attempt that did not
   * end in a clean reply (timeout, corruption, abort). Flushing (a tcflush syscall) only then
   * keeps it off the common path; the fresh reader of each attempt ignores older bytes anyway.
   */
  dirty: boolean;
  /** Last thing an exchange told about the adapter's echo (see ReplyReader.echoObserved). */
  echoSeen: boolean;
}

const LINE_STATE_KEY = 'watlow:line';

export class WatlowLine {
  readonly options: ResolvedLineOptions;

  constructor(
    readonly lease: Lease<ByteStream>,
    options: LineOptions = {},
    protocol: WatlowProtocol = 'stdbus',
  ) {
    const baudRate = Number(lease.claim?.settings?.baudRate ?? 38400);
    this.options = resolveLineOptions(options, { protocol, baudRate });
  }

  get portLabel(): string {
    return this.lease.resource.label;
  }

  private state(): LineState {
    return this.lease.resource.cache.get<LineState>(LINE_STATE_KEY, () => ({
      quietUntil: 0,
      transactions: 0,
      dirty: true,
      echoSeen: false,
    }));
  }

  /** Upper bound of one exchange with all its retries: the registry's safety-net timeout. */
  private budgetMs(): number {
    const o = this.options;
    return (o.replyTimeoutMs + o.interFrameGapMs + o.corruptSettleMs) * (o.retries + 1) + 1000;
  }

  exchange<R>(
    request: Uint8Array,
    makeReader: (bus: BusTraits) => ReplyReader<R>,
    context: ExchangeContext,
  ): Promise<R> {
    const { clock, retries, replyTimeoutMs, interFrameGapMs, corruptSettleMs } = this.options;
    return this.lease.transact(
      async (stream, signal) => {
        const line = this.state();
        let lastCorruption: string | undefined;
        let bytesHeard = 0;
        for (let attempt = 0; attempt <= retries; attempt++) {
          // The silence is a protocol minimum, measured to the sub-millisecond: whole milliseconds
          // on a timer (which runs on libuv's millisecond loop clock, so it is re-checked), then
          // the remainder a turn of the event loop at a time, so a 1.75 ms gap is not 3 ms.
          for (let wait = line.quietUntil - clock.now(); wait > 0; wait = line.quietUntil - clock.now()) {
            await sleep(clock, wait >= 1 ? Math.floor(wait) : 0, signal);
          }
          // Stale bytes (a late reply to a timed-out request, an echo) must not be taken for ours:
          // after a failed attempt, flush what the OS holds; the fresh reader ignores anything older.
          if (line.dirty) await stream.flushInput();
          const reader = makeReader({ echoSeen: line.echoSeen });
          let outcome;
          line.dirty = true;
          try {
            line.transactions++;
            outcome = await runAttempt(stream, request, reader, {
              clock,
              replyTimeoutMs,
              corruptSettleMs,
              signal,
            });
          } finally {
            line.quietUntil = clock.now() + interFrameGapMs;
          }
          if (outcome.kind === 'reply') {
            line.dirty = false;
            if (reader.echoObserved !== undefined) line.echoSeen = reader.echoObserved;
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
          {
            resource: this.portLabel,
          },
        );
      },
      { timeoutMs: this.budgetMs(), label: `${context.what} (${context.where})` },
    );
  }

  /** Transactions attempted on this port since its driver cache was last cleared. */
  get transactionCount(): number {
    return this.state().transactions;
  }
}

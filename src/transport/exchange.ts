/**
 * One request/reply attempt on a byte stream, protocol-agnostic: subscribe, send, feed received
 * chunks to the reply reader until it yields the reply, or until the line shows the reply is lost.
 * Retries, messages and error classes belong to the caller (FramedLine).
 */
import type { Clock } from '../core/clock';
import type { ByteStream } from './types';

/** What the protocol-specific readers (StdBusReplyReader, RtuResponseReader) offer. */
export interface ReplyReader<R> {
  push(chunk: Uint8Array): R | undefined;
  readonly replyCorrupted: boolean;
  readonly lastDefect: string | undefined;
  readonly stats: { readonly corrupt: number; readonly echoes: number; readonly garbageBytes: number };
  /**
   * What this exchange showed about the adapter: true when our request was heard back, false
   * when a reply came without it, undefined when the two cannot be told apart (a Modbus 06
   * reply is a copy of its request). The line remembers it for the next exchanges.
   */
  readonly echoObserved?: boolean | undefined;
  /**
   * A reply that stands unless something more comes before the reply timeout. A Modbus single
   * write (05, 06) is answered with a copy of the request, which is also what an echoing adapter
   * sends back at once: on a line whose echo is not known yet, the first copy is held here while
   * the reader waits for a second copy or an exception (then the first was the echo).
   */
  readonly tentative?: R | undefined;
}

/**
 * What a line knows about its adapter's echo: nothing yet (a freshly opened port), or what the
 * exchanges so far showed (`seen`: requests come back; `absent`: replies came without them).
 */
export type EchoKnowledge = 'unknown' | 'seen' | 'absent';

/** What a line knows about its bus when a reader is made. */
export interface BusTraits {
  readonly echo: EchoKnowledge;
}

export type AttemptOutcome<R> =
  /**
   * `endedAt`: the clock's time when the reply's last chunk came in — where the silence before
   * the next frame starts, rather than after the reply has been decoded and handed on.
   */
  | { readonly kind: 'reply'; readonly reply: R; readonly endedAt: number }
  /** Bytes came but no valid reply: a corrupt frame (CRC, framing) was seen. */
  | { readonly kind: 'corrupt'; readonly defect: string }
  /** Nothing usable came back within the reply timeout. */
  | { readonly kind: 'silent'; readonly bytesSeen: number };

export interface AttemptOptions {
  clock: Clock;
  replyTimeoutMs: number;
  /**
   * Once a frame that was plainly our reply failed its CRC, the line is given this long to go
   * quiet before the attempt ends: waiting out the whole reply timeout would only delay the
   * retry, but ending at once could cut a valid reply that follows a burst of noise.
   */
  corruptSettleMs: number;
  signal?: AbortSignal;
}

/** An error like the OS raises for a vanished device, so the registry's stale-handle rule applies. */
function closedUnderUs(label: string, err?: Error): Error {
  if (err) return err;
  const e: NodeJS.ErrnoException = new Error(`${label} closed during the transaction (device disconnected)`);
  e.code = 'EIO';
  return e;
}

export function runAttempt<R>(
  stream: ByteStream,
  request: Uint8Array,
  reader: ReplyReader<R>,
  options: AttemptOptions,
): Promise<AttemptOutcome<R>> {
  const { clock, signal } = options;
  return new Promise<AttemptOutcome<R>>((resolve, reject) => {
    let settled = false;
    let bytesSeen = 0;
    /** When the reader's tentative reply was complete: the line was idle from then, if it stands. */
    let tentativeAt: number | undefined;
    let settleTimer: unknown;
    const cleanup: (() => void)[] = [];
    const finish = (outcome: AttemptOutcome<R> | Error): void => {
      if (settled) return;
      settled = true;
      for (const undo of cleanup) undo();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const corruptOutcome = (): AttemptOutcome<R> => ({
      kind: 'corrupt',
      defect: reader.lastDefect ?? 'corrupt frame',
    });

    if (signal?.aborted) {
      finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void =>
      finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    cleanup.push(() => signal?.removeEventListener('abort', onAbort));

    cleanup.push(
      stream.onData((chunk) => {
        if (settled) return;
        const endedAt = clock.now();
        bytesSeen += chunk.length;
        let reply: R | undefined;
        try {
          reply = reader.push(chunk);
        } catch (err) {
          // A reader bug must fail this attempt, never escape into the stream's event emitter.
          finish(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (reply !== undefined) {
          finish({ kind: 'reply', reply, endedAt });
          return;
        }
        if (tentativeAt === undefined && reader.tentative !== undefined) tentativeAt = endedAt;
        if (reader.replyCorrupted) {
          if (settleTimer !== undefined) clock.clearTimeout(settleTimer);
          settleTimer = clock.setTimeout(() => finish(corruptOutcome()), options.corruptSettleMs);
        }
      }),
    );
    cleanup.push(() => {
      if (settleTimer !== undefined) clock.clearTimeout(settleTimer);
    });
    cleanup.push(stream.onClose((err) => finish(closedUnderUs(stream.label, err))));

    // The request goes out first and the reply timer is armed after it: the silence before the
    // request is a protocol minimum, and nothing else should stand between its end and the write.
    stream.write(request).then(
      () => undefined,
      (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
    );
    if (settled) return; // a stream may answer inside write()
    const replyTimer = clock.setTimeout(() => {
      // Nothing followed a tentative reply within the reply timeout: it was the reply.
      const tentative = reader.tentative;
      if (tentative !== undefined)
        finish({ kind: 'reply', reply: tentative, endedAt: tentativeAt ?? clock.now() });
      else finish(reader.stats.corrupt > 0 ? corruptOutcome() : { kind: 'silent', bytesSeen });
    }, options.replyTimeoutMs);
    cleanup.push(() => clock.clearTimeout(replyTimer));
  });
}

/**
 * Timers that keep the process alive while a reply is awaited (bounded by the reply timeout).
 * `now` is monotonic and sub-millisecond: the inter-frame gap (1.75 ms for Modbus at 38400) is
 * measured with it, and Date.now()'s whole milliseconds would cut it short.
 */
export const transactionClock: Clock = {
  now: () => performance.now(),
  // A delay under a millisecond runs on the next turn of the event loop: setTimeout would make it
  // a whole millisecond (Node's minimum), longer than the rest of the Modbus silence it finishes.
  setTimeout: (fn, ms) => (ms < 1 ? { immediate: setImmediate(fn) } : setTimeout(fn, ms)),
  clearTimeout: (handle) => {
    if (handle && typeof handle === 'object' && 'immediate' in handle) {
      clearImmediate((handle as { immediate: NodeJS.Immediate }).immediate);
    } else clearTimeout(handle as NodeJS.Timeout);
  },
};

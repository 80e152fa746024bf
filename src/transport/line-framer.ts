/**
 * Pure helpers for LF-terminated SCPI messages (raw socket, serial, the in-process simulator link
 * and the protocol-side simulators). No I/O here.
 */
import { ProtocolError } from '../core/errors';

const LF = 0x0a;

/** Largest message we buffer before declaring the stream corrupt (2281S buffers: 2500 points). */
export const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * Splits a byte stream into LF-terminated messages. `push` chunks as they arrive; `shift` returns
 * the next whole message including its LF, or undefined while none is complete.
 */
export class LineFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly complete: Buffer[] = [];

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf < 0) break;
      this.chunks.push(chunk.subarray(start, lf + 1));
      this.complete.push(Buffer.concat(this.chunks));
      this.chunks = [];
      this.buffered = 0;
      start = lf + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.buffered += rest.length;
      if (this.buffered > this.maxBytes) {
        this.reset();
        throw new ProtocolError(
          `Received more than ${this.maxBytes} bytes without a line feed; the instrument's termination is probably not LF.`,
        );
      }
      // Copy: the caller may reuse its buffer (serialport does not, net does not, but be safe).
      this.chunks.push(Buffer.from(rest));
    }
  }

  /** The next complete message (with its LF), oldest first. */
  shift(): Buffer | undefined {
    return this.complete.shift();
  }

  get pendingMessages(): number {
    return this.complete.length;
  }

  /** Drops everything buffered (device clear on a stream transport). */
  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.complete.length = 0;
  }
}

/** Removes the trailing terminator(s) of a response: LF, CR LF, stray CRs (and a NUL pad). */
export function stripTerminator(text: string): string {
  // A backwards scan: an unanchored `[\r\n\0]+$` restarts at every byte of a run of terminators.
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break;
    end--;
  }
  return text.slice(0, end);
}

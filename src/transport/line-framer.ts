/**
 * Pure helpers for LF-terminated SCPI messages (raw socket, serial, the in-process simulator link
 * and the protocol-side simulators). No I/O here.
 *
 * The framer understands IEEE 488.2 definite blocks (`#<n><len><bytes>`): when a response starts
 * with such a header, exactly `len` bytes are taken as data whatever they contain, and only then
 * is the LF terminator looked for. The block is copied once, into a buffer allocated at its
 * announced size, so a 16 MiB block costs 16 MiB and no per-chunk re-copying.
 */
import { ProtocolError } from '../core/errors';
import { MAX_BLOCK_BYTES, probeBlockHeader } from './block-header';

export { MAX_BLOCK_BYTES, MAX_RESPONSE_BYTES } from './block-header';

const LF = 0x0a;
/** Longest block header: '#', one digit, nine digits. */
const MAX_HEADER = 11;

/** Largest text message we buffer before declaring the stream corrupt (2281S buffers: 2500 points). */
export const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * Splits a byte stream into LF-terminated messages. `push` chunks as they arrive; `shift` returns
 * the next whole message including its LF, or undefined while none is complete.
 */
export class LineFramer {
  /** Text bytes of the current message (copies), awaiting the LF. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The first bytes of a message while we cannot yet tell whether it is a block. */
  private head: number[] = [];
  private decided = false;
  /** A definite block being filled: header + data + one byte for the LF. */
  private block: Buffer | undefined;
  private filled = 0;
  private blockEnd = 0;
  private readonly complete: Buffer[] = [];

  constructor(
    private readonly maxBytes = MAX_MESSAGE_BYTES,
    private readonly maxBlockBytes = MAX_BLOCK_BYTES,
  ) {}

  /** Throws ProtocolError (dropping the message in progress, keeping complete ones) on a message without LF or a block over the cap. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.block) pos = this.fillBlock(chunk, pos);
      else if (!this.decided) pos = this.decide(chunk, pos);
      else pos = this.scanLine(chunk, pos);
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
    this.complete.length = 0;
    this.startMessage();
  }

  private startMessage(): void {
    this.chunks = [];
    this.buffered = 0;
    this.head = [];
    this.decided = false;
    this.block = undefined;
    this.filled = 0;
    this.blockEnd = 0;
  }

  /** Takes header bytes one at a time (at most 11) until the message's kind is known. */
  private decide(chunk: Buffer, pos: number): number {
    while (pos < chunk.length) {
      const byte = chunk[pos++];
      this.head.push(byte);
      const probe = probeBlockHeader(Uint8Array.from(this.head), 0, this.maxBlockBytes);
      if (probe.kind === 'incomplete' && byte !== LF && this.head.length < MAX_HEADER) continue;
      if (probe.kind === 'oversize') {
        this.startMessage();
        throw new ProtocolError(
          `The instrument announced a binary block of ${probe.length} bytes; this package reads at most ${this.maxBlockBytes} bytes per block. Ask for fewer points per query.`,
        );
      }
      const head = Buffer.from(this.head);
      this.decided = true;
      if (probe.kind === 'definite') {
        this.blockEnd = probe.headerLength + probe.length;
        this.block = Buffer.allocUnsafe(this.blockEnd + 1);
        head.copy(this.block, 0);
        this.filled = head.length;
        if (this.filled === this.blockEnd) return this.finishBlock(chunk, pos);
        return pos;
      }
      // Text (or an indefinite block, which on a byte stream can only end at the first LF).
      if (byte === LF) {
        this.complete.push(head);
        this.startMessage();
        return pos;
      }
      this.chunks.push(head);
      this.buffered = head.length;
      return pos;
    }
    return pos;
  }

  private fillBlock(chunk: Buffer, pos: number): number {
    const block = this.block as Buffer;
    const n = Math.min(this.blockEnd - this.filled, chunk.length - pos);
    chunk.copy(block, this.filled, pos, pos + n);
    this.filled += n;
    pos += n;
    if (this.filled < this.blockEnd) return pos;
    return this.finishBlock(chunk, pos);
  }

  /** The block's data is complete: the LF normally follows at once and goes into the spare byte. */
  private finishBlock(chunk: Buffer, pos: number): number {
    const block = this.block as Buffer;
    this.block = undefined;
    if (pos < chunk.length && chunk[pos] === LF) {
      block[this.blockEnd] = LF;
      this.complete.push(block);
      this.startMessage();
      return pos + 1;
    }
    // Anything else (CR LF, a lying header's surplus): keep scanning for the LF as text; the
    // decoder then judges the message.
    this.chunks = [block.subarray(0, this.blockEnd)];
    this.buffered = 0;
    return pos;
  }

  private scanLine(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    if (lf >= 0) {
      this.chunks.push(chunk.subarray(pos, lf + 1));
      this.complete.push(this.chunks.length === 1 ? Buffer.from(this.chunks[0]) : Buffer.concat(this.chunks));
      this.startMessage();
      return lf + 1;
    }
    const rest = chunk.subarray(pos);
    this.buffered += rest.length;
    if (this.buffered > this.maxBytes) {
      this.startMessage();
      throw new ProtocolError(
        `Received more than ${this.maxBytes} bytes without a line feed; the instrument's termination is probably not LF.`,
      );
    }
    // Copy: the caller may reuse its buffer (serialport does not, net does not, but be safe).
    this.chunks.push(Buffer.from(rest));
    return chunk.length;
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

/**
 * Response matching for one Modbus RTU exchange. RTU has no preamble and no length field, so the
 * reader frames by what the request implies: a response starts with our unit address and our
 * function code (or its exception form), and its length follows from the function (and, for
 * reads, from the byte count, which must be the one the request implies). Anything else is
 * skipped one byte at a time, and a candidate whose CRC fails is skipped the same way, so noise
 * and corrupt frames never shift the bus out of step.
 *
 * Our own request echoed by an adapter is recognised byte for byte and skipped. A single write
 * (functions 05 and 06) is special: its correct response IS a copy of the request. What the line
 * has learnt about the adapter (`echo`) decides what the first copy is:
 *  - `seen` (earlier requests came back): the echo. The real response — a second copy, or an
 *    exception — is still awaited, so a refused write is never taken for a success.
 *  - `absent` (replies came without an echo): the response.
 *  - `unknown` (a freshly opened port whose first exchange is this write): it may be either. It is
 *    held as the tentative reply while the reader waits for a second copy or an exception; if one
 *    comes, the first was the echo and this is the response; if none comes before the reply
 *    timeout, the first was the response and the adapter does not echo. Only that one write waits;
 *    the line knows afterwards.
 *
 * A candidate that is not complete yet is not simply waited for: if a complete, valid response
 * already sits later in the buffer (the candidate was a corrupt fragment), the reader moves on to
 * it at once instead of waiting out the reply timeout.
 */
import type { EchoKnowledge, ReplyReader } from '../transport/exchange';
import {
  crcMatches,
  expectedResponseByteCount,
  expectedResponseLength,
  pduOfRtuFrame,
  responseCopiesRequest,
} from './rtu';

const hexOf = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');

export interface RtuReaderStats {
  echoes: number;
  stale: number;
  corrupt: number;
  garbageBytes: number;
}

/** Yields the response PDU (function code onwards, without unit and CRC). */
export class RtuResponseReader implements ReplyReader<Uint8Array> {
  readonly stats: RtuReaderStats = { echoes: 0, stale: 0, corrupt: 0, garbageBytes: 0 };
  lastDefect: string | undefined;
  /** A frame that looked like our response (unit, function, length) failed its CRC. */
  replyCorrupted = false;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly byteCount: number | undefined;
  private readonly copiesRequest: boolean;
  private readonly echo: EchoKnowledge;
  /** A single write's first copy on a line of unknown echo (see the module comment). */
  private held: Uint8Array | undefined;

  constructor(
    private readonly unit: number,
    private readonly requestPdu: Uint8Array,
    private readonly requestFrame: Uint8Array,
    options: { echo?: EchoKnowledge } = {},
  ) {
    this.byteCount = expectedResponseByteCount(requestPdu);
    this.copiesRequest = responseCopiesRequest(requestPdu);
    this.echo = options.echo ?? 'unknown';
  }

  /** See ReplyReader.tentative. */
  get tentative(): Uint8Array | undefined {
    return this.held;
  }

  /**
   * See ReplyReader.echoObserved. A held first copy that stands (nothing followed it) shows the
   * adapter does not echo; a single write's first copy taken as the response on a line known not
   * to echo shows nothing new.
   */
  get echoObserved(): boolean | undefined {
    if (this.stats.echoes > 0) return true;
    if (this.held !== undefined) return false;
    return this.copiesRequest ? undefined : false;
  }

  /** Whether a copy of our request at the head of the buffer is an echo to skip. */
  private get skipEchoes(): boolean {
    return !this.copiesRequest || (this.echo === 'seen' && this.stats.echoes === 0);
  }

  /** Whether a copy of our request at the head of the buffer is held as the tentative reply. */
  private get holdsFirstCopy(): boolean {
    return this.copiesRequest && this.echo === 'unknown' && this.held === undefined;
  }

  push(chunk: Uint8Array): Uint8Array | undefined {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const buf = this.buffer;
      if (buf.length === 0) return undefined;
      if (this.skipEchoes && this.isEchoPrefix(buf)) {
        if (buf.length < this.requestFrame.length) return undefined; // maybe our echo: wait for the rest
        this.stats.echoes++;
        this.buffer = buf.subarray(this.requestFrame.length);
        continue;
      }
      if (this.holdsFirstCopy && this.isEchoPrefix(buf)) {
        if (buf.length < this.requestFrame.length) return undefined; // wait for the rest
        this.held = Uint8Array.from(pduOfRtuFrame(buf.subarray(0, this.requestFrame.length)));
        this.buffer = buf.subarray(this.requestFrame.length);
        continue;
      }
      if (buf[0] !== this.unit) {
        this.skip(1);
        continue;
      }
      if (buf.length < 2) return undefined;
      const length = expectedResponseLength(this.requestPdu, buf);
      if (length === undefined || !this.plausibleByteCount(buf)) {
        this.skip(1);
        continue;
      }
      if (length < 0 || buf.length < length) {
        // Incomplete: but if a complete valid response already follows, this was a corrupt fragment.
        const later = this.completeResponseAfter(buf);
        if (later === undefined) return undefined;
        this.stats.corrupt++;
        this.lastDefect = `incomplete frame ${hexOf(buf.subarray(0, later))} before a complete response`;
        this.skip(later);
        continue;
      }
      const frame = buf.subarray(0, length);
      if (!crcMatches(frame)) {
        this.stats.corrupt++;
        this.replyCorrupted = true;
        this.lastDefect = `bad CRC in ${hexOf(frame)}`;
        this.buffer = buf.subarray(1);
        continue;
      }
      this.buffer = buf.subarray(length);
      const pdu = pduOfRtuFrame(frame);
      if (this.answersRequest(pdu)) {
        if (this.held !== undefined) {
          // Something answered after the held copy: that copy was the adapter's echo.
          this.held = undefined;
          this.stats.echoes++;
        }
        return Uint8Array.from(pdu);
      }
      this.stats.stale++;
      this.lastDefect = `response to another request (${hexOf(frame)})`;
    }
  }

  /** Offset (> 0) of the first complete, CRC-valid response to our request in `buf`, if any. */
  private completeResponseAfter(buf: Buffer): number | undefined {
    for (let at = 1; at + 4 <= buf.length; at++) {
      if (buf[at] !== this.unit) continue;
      const rest = buf.subarray(at);
      const length = expectedResponseLength(this.requestPdu, rest);
      if (length === undefined || length < 0 || rest.length < length || !this.plausibleByteCount(rest))
        continue;
      const frame = rest.subarray(0, length);
      if (crcMatches(frame) && this.answersRequest(pduOfRtuFrame(frame))) return at;
    }
    return undefined;
  }

  private isEchoPrefix(buf: Buffer): boolean {
    const n = Math.min(buf.length, this.requestFrame.length);
    for (let i = 0; i < n; i++) if (buf[i] !== this.requestFrame[i]) return false;
    return true;
  }

  private plausibleByteCount(buf: Buffer): boolean {
    if (this.byteCount === undefined || buf[1] !== this.requestPdu[0] || buf.length < 3) return true;
    return buf[2] === this.byteCount;
  }

  /** Exceptions and reads are matched by their framing; a write must echo address and value/quantity. */
  private answersRequest(pdu: Uint8Array): boolean {
    if (pdu[0] !== this.requestPdu[0] || this.byteCount !== undefined) return true;
    for (let i = 1; i < 5; i++) if (pdu[i] !== this.requestPdu[i]) return false;
    return true;
  }

  private skip(n: number): void {
    this.stats.garbageBytes += n;
    this.buffer = this.buffer.subarray(n);
  }
}

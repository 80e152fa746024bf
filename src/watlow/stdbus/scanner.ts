/**
 * Streaming Std Bus receiver. Bytes arrive in arbitrary chunks — USB
 * bridges deliver bursts, PTYs split anywhere — so the scanner keeps a buffer and reports what
 * it finds, one event per frame or defect:
 *
 *  - bytes before a `55 FF` preamble are garbage and skipped;
 *  - a bad header CRC, an impossible length or a bad data CRC drops only the `55` and rescans from
 *    the next byte, so a real frame that starts inside a corrupted one is still found (the bad
 *    data CRC case matters when bytes were lost: the length field then reaches into the next frame);
 *  - a frame whose header promises more bytes than have arrived is waited for, unless a complete,
 *    CRC-valid frame already starts later in the buffer: then the promise was a corrupt length and
 *    the bytes up to that frame are reported as `truncated` (waiting would cost a reply timeout);
 *  - complete, CRC-valid frames are reported whatever their addresses: deciding whether a frame is
 *    our reply, our own echoed request or someone else's traffic is the reader's job, not this one's.
 */
import type { StdBusFrame } from './frame';
import {
  HEADER_LENGTH,
  MAX_PAYLOAD,
  PREAMBLE_1,
  PREAMBLE_2,
  dataCrcMatches,
  frameLength,
  headerCrcMatches,
} from './frame';

export type StdBusScanEvent =
  | { readonly kind: 'frame'; readonly frame: StdBusFrame; readonly bytes: Buffer }
  | { readonly kind: 'garbage'; readonly bytes: Buffer }
  | { readonly kind: 'badHeaderCrc'; readonly bytes: Buffer }
  | { readonly kind: 'badLength'; readonly bytes: Buffer; readonly length: number }
  | { readonly kind: 'truncated'; readonly bytes: Buffer }
  | {
      readonly kind: 'badDataCrc';
      readonly bytes: Buffer;
      readonly frameType: number;
      readonly source: number;
      readonly destination: number;
    };

export class StdBusScanner {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPayload: number = MAX_PAYLOAD) {}

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Forgets any partial frame (used when stale input is discarded before a request). */
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): StdBusScanEvent[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const events: StdBusScanEvent[] = [];
    for (;;) {
      const start = this.findPreamble();
      if (start > 0) {
        events.push({ kind: 'garbage', bytes: Buffer.from(this.buffer.subarray(0, start)) });
        this.buffer = this.buffer.subarray(start);
      }
      const buf = this.buffer;
      if (buf.length < HEADER_LENGTH || buf[1] !== PREAMBLE_2) break; // a lone trailing 55: wait
      if (!headerCrcMatches(buf, 0)) {
        events.push({ kind: 'badHeaderCrc', bytes: Buffer.from(buf.subarray(0, HEADER_LENGTH)) });
        this.buffer = buf.subarray(1);
        continue;
      }
      const length = (buf[5]! << 8) | buf[6]!;
      if (length > this.maxPayload) {
        events.push({ kind: 'badLength', bytes: Buffer.from(buf.subarray(0, HEADER_LENGTH)), length });
        this.buffer = buf.subarray(1);
        continue;
      }
      const total = frameLength(length);
      if (buf.length < total) {
        const later = this.completeFrameAfter(buf);
        if (later === undefined) break;
        events.push({ kind: 'truncated', bytes: Buffer.from(buf.subarray(0, later)) });
        this.buffer = buf.subarray(later);
        continue;
      }
      const payload = Uint8Array.from(buf.subarray(HEADER_LENGTH, HEADER_LENGTH + length));
      if (
        length > 0 &&
        !dataCrcMatches(payload, buf[HEADER_LENGTH + length]!, buf[HEADER_LENGTH + length + 1]!)
      ) {
        events.push({
          kind: 'badDataCrc',
          bytes: Buffer.from(buf.subarray(0, total)),
          frameType: buf[2]!,
          destination: buf[3]!,
          source: buf[4]!,
        });
        this.buffer = buf.subarray(1);
        continue;
      }
      events.push({
        kind: 'frame',
        frame: { frameType: buf[2]!, destination: buf[3]!, source: buf[4]!, payload },
        bytes: Buffer.from(buf.subarray(0, total)),
      });
      this.buffer = buf.subarray(total);
    }
    // Keep a copy so the caller's chunk memory is never retained.
    this.buffer = Buffer.from(this.buffer);
    return events;
  }

  /** Offset (> 0) of the first complete frame with valid CRCs in `buf`, if any. */
  private completeFrameAfter(buf: Buffer): number | undefined {
    for (let at = 1; at + HEADER_LENGTH <= buf.length; at++) {
      if (buf[at] !== PREAMBLE_1 || buf[at + 1] !== PREAMBLE_2 || !headerCrcMatches(buf, at)) continue;
      const length = (buf[at + 5]! << 8) | buf[at + 6]!;
      if (length > this.maxPayload || at + frameLength(length) > buf.length) continue;
      const dataAt = at + HEADER_LENGTH;
      if (
        length === 0 ||
        dataCrcMatches(
          buf.subarray(dataAt, dataAt + length),
          buf[dataAt + length]!,
          buf[dataAt + length + 1]!,
        )
      )
        return at;
    }
    return undefined;
  }

  /** Index of the first `55 FF` (or of a trailing `55` that may start one); buffer length if none. */
  private findPreamble(): number {
    const buf = this.buffer;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] !== PREAMBLE_1) continue;
      if (i + 1 === buf.length || buf[i + 1] === PREAMBLE_2) return i;
    }
    return buf.length;
  }
}

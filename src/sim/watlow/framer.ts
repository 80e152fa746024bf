/**
 * Device-side framing for a bus that speaks both protocols: a frame starting `55 FF` is Std Bus
 * (BACnet MS/TP preamble; no Modbus function code is 0xFF), anything else is tried as Modbus RTU.
 * Like a real device, the framer drops bytes that do not form a CRC-valid frame and resyncs on
 * the next byte; a partial frame left alone on a silent line is discarded by the bus's silence
 * timer (`reset`).
 */
import { crcMatches } from '../../modbus/rtu';
import type { StdBusFrame } from '../../watlow/stdbus/frame';
import { StdBusScanner } from '../../watlow/stdbus/scanner';
import { PREAMBLE_1, PREAMBLE_2 } from '../../watlow/stdbus/frame';

export type DeviceFrame =
  | { readonly protocol: 'stdbus'; readonly frame: StdBusFrame; readonly bytes: Buffer }
  | { readonly protocol: 'modbus'; readonly bytes: Buffer };

/** Modbus functions with a fixed 8-byte request. */
const FIXED_EIGHT = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]);
/** Functions whose request carries a byte count at offset 6. */
const COUNTED = new Set([0x0f, 0x10]);
/** Longest unknown-function request searched for a CRC match before a byte is dropped. */
const MAX_UNKNOWN = 64;

export class DeviceFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes discarded as noise or corrupt frames (for tests and the event log). */
  droppedBytes = 0;

  get pending(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.droppedBytes += this.buffer.length;
    this.buffer = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): DeviceFrame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: DeviceFrame[] = [];
    for (;;) {
      const buf = this.buffer;
      if (buf.length === 0) break;
      if (buf[0] === PREAMBLE_1 && (buf.length === 1 || buf[1] === PREAMBLE_2)) {
        const result = this.takeStdBus();
        if (result === 'wait') break;
        if (result) frames.push(result);
        continue;
      }
      const result = this.takeModbus();
      if (result === 'wait') break;
      if (result) frames.push(result);
    }
    return frames;
  }

  private drop(n: number): void {
    this.droppedBytes += n;
    this.buffer = this.buffer.subarray(n);
  }

  private takeStdBus(): DeviceFrame | 'wait' | undefined {
    // A fresh scanner over the buffer: reports the first complete frame or defect at offset 0.
    const scanner = new StdBusScanner();
    const events = scanner.push(this.buffer);
    const first = events[0];
    if (!first) return 'wait';
    if (first.kind === 'frame') {
      this.buffer = this.buffer.subarray(first.bytes.length);
      return { protocol: 'stdbus', frame: first.frame, bytes: first.bytes };
    }
    this.drop(1);
    return undefined;
  }

  private takeModbus(): DeviceFrame | 'wait' | undefined {
    const buf = this.buffer;
    if (buf.length < 2) return 'wait';
    const fc = buf[1]!;
    let length: number | undefined;
    if (FIXED_EIGHT.has(fc)) length = 8;
    else if (COUNTED.has(fc)) length = buf.length < 7 ? -1 : 9 + buf[6]!;
    if (length === -1) return this.waitOrResync();
    if (length !== undefined) {
      if (buf.length < length) return this.waitOrResync();
      const frame = buf.subarray(0, length);
      if (crcMatches(frame)) {
        this.buffer = buf.subarray(length);
        return { protocol: 'modbus', bytes: Buffer.from(frame) };
      }
      this.drop(1);
      return undefined;
    }
    // Unknown function: the shortest CRC-valid prefix is the frame (answered with exception 01).
    for (let n = 4; n <= Math.min(buf.length, MAX_UNKNOWN); n++) {
      if (crcMatches(buf.subarray(0, n))) {
        this.buffer = buf.subarray(n);
        return { protocol: 'modbus', bytes: Buffer.from(buf.subarray(0, n)) };
      }
    }
    if (buf.length < MAX_UNKNOWN) return this.waitOrResync();
    this.drop(1);
    return undefined;
  }

  /**
   * The bytes at offset 0 announce a frame that is not complete yet. If a complete, valid frame
   * already starts further on, the head was noise (a garbage byte count or function code would
   * otherwise make us wait for bytes that never come): drop up to that frame.
   */
  private waitOrResync(): 'wait' | undefined {
    const buf = this.buffer;
    for (let k = 1; k < buf.length - 1; k++) {
      const stdBus =
        buf[k] === PREAMBLE_1 &&
        buf[k + 1] === PREAMBLE_2 &&
        new StdBusScanner().push(buf.subarray(k))[0]?.kind === 'frame';
      const modbus =
        FIXED_EIGHT.has(buf[k + 1]!) && k + 8 <= buf.length && crcMatches(buf.subarray(k, k + 8));
      if (stdBus || modbus) {
        this.drop(k);
        return undefined;
      }
    }
    return 'wait';
  }
}

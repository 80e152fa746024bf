/**
 * Reply matching for one Modbus RTU transaction. RTU has no preamble and no length field, so the
 * reader frames by what the request implies: a reply starts with our slave address and our
 * function code (or its exception form), and its length follows from the function (and, for 03,
 * from the byte count, which must be twice the registers asked for). Anything else is skipped one
 * byte at a time, and a candidate whose CRC fails is skipped the same way, so noise and corrupt
 * frames never shift the bus out of step.
 *
 * Our own request echoed by an adapter is recognised byte for byte and skipped. Function 06 is
 * special: its correct reply IS a copy of the request. When the bus is known to echo (`expectEcho`,
 * learnt by the line from earlier exchanges), the first copy is the echo and the real reply —
 * a second copy, or an exception — is still awaited, so a refused write is never taken for a
 * success. On a bus not known to echo the first copy is the reply (indistinguishable either way).
 *
 * A candidate frame that is not complete yet is not simply waited for: if a complete, valid reply
 * already sits later in the buffer (the candidate was a corrupt fragment), the reader moves on to
 * it at once instead of waiting out the reply timeout.
 */
import type { ModbusRequest, ModbusResponse } from './rtu';
import {
  FC_READ_HOLDING,
  FC_WRITE_MULTIPLE,
  FC_WRITE_SINGLE,
  crcMatches,
  decodeModbusResponse,
  expectedReplyLength,
} from './rtu';
import { hex } from '../types';

export interface ModbusReplyReaderStats {
  echoes: number;
  stale: number;
  corrupt: number;
  garbageBytes: number;
}

export interface ModbusReplyReaderOptions {
  /** The adapter on this bus echoes requests (so a 06 reply is the second copy). */
  expectEcho?: boolean;
}

export class ModbusReplyReader {
  readonly stats: ModbusReplyReaderStats = { echoes: 0, stale: 0, corrupt: 0, garbageBytes: 0 };
  lastDefect: string | undefined;
  /** A frame that looked like our reply (address, function, length) failed its CRC. */
  replyCorrupted = false;
  private buffer: Buffer = Buffer.alloc(0);

  private readonly expectEcho: boolean;

  constructor(
    private readonly request: ModbusRequest,
    private readonly requestBytes: Uint8Array,
    options: ModbusReplyReaderOptions = {},
  ) {
    this.expectEcho = options.expectEcho ?? false;
  }

  /** See ReplyReader.echoObserved: unknowable for a 06 whose first copy was taken as the reply. */
  get echoObserved(): boolean | undefined {
    if (this.stats.echoes > 0) return true;
    return this.request.fc === FC_WRITE_SINGLE ? undefined : false;
  }

  /** Whether a copy of our request at the head of the buffer is an echo to skip. */
  private echoSkippable(): boolean {
    if (this.request.fc !== FC_WRITE_SINGLE) return true;
    return this.expectEcho && this.stats.echoes === 0;
  }

  push(chunk: Uint8Array): ModbusResponse | undefined {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const buf = this.buffer;
      if (buf.length === 0) return undefined;
      if (this.echoSkippable() && this.isEchoPrefix(buf)) {
        if (buf.length < this.requestBytes.length) return undefined; // maybe our echo: wait for the rest
        this.stats.echoes++;
        this.buffer = buf.subarray(this.requestBytes.length);
        continue;
      }
      if (buf[0] !== this.request.slave) {
        this.skip(1);
        continue;
      }
      if (buf.length < 2) return undefined;
      const length = expectedReplyLength(this.request, buf);
      if (length === undefined || !this.plausibleByteCount(buf)) {
        this.skip(1);
        continue;
      }
      if (length < 0 || buf.length < length) {
        // Incomplete: but if a complete valid reply already follows, this was a corrupt fragment.
        const later = this.completeReplyAfter(buf);
        if (later === undefined) return undefined;
        this.stats.corrupt++;
        this.lastDefect = `incomplete frame ${hex(buf.subarray(0, later))} before a complete reply`;
        this.skip(later);
        continue;
      }
      const frame = buf.subarray(0, length);
      if (!crcMatches(frame)) {
        this.stats.corrupt++;
        this.replyCorrupted = true;
        this.lastDefect = `bad CRC in ${hex(frame)}`;
        this.buffer = buf.subarray(1);
        continue;
      }
      this.buffer = buf.subarray(length);
      const response = decodeModbusResponse(frame);
      if (this.matches(response)) return response;
      this.stats.stale++;
      this.lastDefect = `reply for another request (${hex(frame)})`;
    }
  }

  /** Offset (> 0) of the first complete, CRC-valid reply to our request in `buf`, if any. */
  private completeReplyAfter(buf: Buffer): number | undefined {
    for (let at = 1; at + 4 <= buf.length; at++) {
      if (buf[at] !== this.request.slave) continue;
      const rest = buf.subarray(at);
      const length = expectedReplyLength(this.request, rest);
      if (length === undefined || length < 0 || rest.length < length || !this.plausibleByteCount(rest))
        continue;
      const frame = rest.subarray(0, length);
      if (crcMatches(frame) && this.decodesToOurs(frame)) return at;
    }
    return undefined;
  }

  private decodesToOurs(frame: Buffer): boolean {
    try {
      return this.matches(decodeModbusResponse(frame));
    } catch {
      return false; // CRC-valid but malformed: not a reply
    }
  }

  private isEchoPrefix(buf: Buffer): boolean {
    const n = Math.min(buf.length, this.requestBytes.length);
    for (let i = 0; i < n; i++) if (buf[i] !== this.requestBytes[i]) return false;
    return true;
  }

  private plausibleByteCount(buf: Buffer): boolean {
    if (this.request.fc !== FC_READ_HOLDING || buf[1] !== FC_READ_HOLDING || buf.length < 3) return true;
    return buf[2] === this.request.count * 2;
  }

  private matches(response: ModbusResponse): boolean {
    const req = this.request;
    switch (response.kind) {
      case 'exception':
        return response.fc === req.fc;
      case 'read':
        return req.fc === FC_READ_HOLDING && response.registers.length === req.count;
      case 'writeSingle':
        return req.fc === FC_WRITE_SINGLE && response.address === req.address && response.value === req.value;
      case 'writeMultiple':
        return (
          req.fc === FC_WRITE_MULTIPLE &&
          response.address === req.address &&
          response.count === req.values.length
        );
    }
  }

  private skip(n: number): void {
    this.stats.garbageBytes += n;
    this.buffer = this.buffer.subarray(n);
  }
}

/**
 * Reply matching for one Modbus RTU transaction. RTU has no preamble and no length field, so the
 * reader frames by what the request implies: a reply starts with our slave address and our
 * function code (or its exception form), and its length follows from the function (and, for 03,
 * from the byte count, which must be twice the registers asked for). Anything else is skipped one
 * byte at a time, and a candidate whose CRC fails is skipped the same way, so noise and corrupt
 * frames never shift the bus out of step.
 *
 * Our own request echoed by an adapter is recognised byte for byte and skipped. The exception is
 * function 06, whose correct reply IS a copy of the request: there the first copy is taken as the
 * reply (indistinguishable either way) and a possible second copy is stale input that the client
 * discards before its next request.
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

export class ModbusReplyReader {
  readonly stats: ModbusReplyReaderStats = { echoes: 0, stale: 0, corrupt: 0, garbageBytes: 0 };
  lastDefect: string | undefined;
  /** A frame that looked like our reply (address, function, length) failed its CRC. */
  replyCorrupted = false;
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly request: ModbusRequest,
    private readonly requestBytes: Uint8Array,
  ) {}

  push(chunk: Uint8Array): ModbusResponse | undefined {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const buf = this.buffer;
      if (buf.length === 0) return undefined;
      if (this.request.fc !== FC_WRITE_SINGLE && this.isEchoPrefix(buf)) {
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
      if (length < 0 || buf.length < length) return undefined;
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

/**
 * Modbus RTU frames for the three function codes an EZ-ZONE PM uses:
 * 03 Read Holding Registers, 06 Write Single Register, 10 Write Multiple Registers,
 * and exception replies (function | 0x80, one code byte), as whole RTU frames: the simulator's
 * side and the tests' vectors. The client speaks through the generic Modbus client instead.
 */
import { OutOfRangeError, ProtocolError } from '../../core/errors';
import { crcMatches, withCrc } from '../../modbus/rtu';
import { hex } from '../types';

export { crcMatches, withCrc };

export const FC_READ_HOLDING = 0x03;
export const FC_WRITE_SINGLE = 0x06;
export const FC_WRITE_MULTIPLE = 0x10;
export const EXCEPTION_BIT = 0x80;

/** Modbus protocol limits per request. */
export const MAX_READ_REGISTERS = 125;
export const MAX_WRITE_REGISTERS = 123;

export const EXCEPTION = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  slaveFailure: 0x04,
} as const;

export type ModbusRequest =
  | {
      readonly fc: typeof FC_READ_HOLDING;
      readonly slave: number;
      readonly address: number;
      readonly count: number;
    }
  | {
      readonly fc: typeof FC_WRITE_SINGLE;
      readonly slave: number;
      readonly address: number;
      readonly value: number;
    }
  | {
      readonly fc: typeof FC_WRITE_MULTIPLE;
      readonly slave: number;
      readonly address: number;
      readonly values: readonly number[];
    };

export type ModbusResponse =
  | { readonly kind: 'read'; readonly slave: number; readonly registers: readonly number[] }
  | { readonly kind: 'writeSingle'; readonly slave: number; readonly address: number; readonly value: number }
  | {
      readonly kind: 'writeMultiple';
      readonly slave: number;
      readonly address: number;
      readonly count: number;
    }
  | { readonly kind: 'exception'; readonly slave: number; readonly fc: number; readonly code: number };

function checkRegister(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new OutOfRangeError(`${what} must be 0..65535, got ${value}`);
}

function checkSlave(slave: number): void {
  if (!Number.isInteger(slave) || slave < 1 || slave > 247)
    throw new OutOfRangeError(`Modbus address must be 1..247, got ${slave}`);
}

export function encodeModbusRequest(request: ModbusRequest): Buffer {
  checkSlave(request.slave);
  checkRegister(request.address, 'Register address');
  const head = [request.slave, request.fc, request.address >>> 8, request.address & 0xff];
  switch (request.fc) {
    case FC_READ_HOLDING:
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_READ_REGISTERS) {
        throw new OutOfRangeError(`Register count must be 1..${MAX_READ_REGISTERS}, got ${request.count}`);
      }
      return withCrc(Buffer.from([...head, request.count >>> 8, request.count & 0xff]));
    case FC_WRITE_SINGLE:
      checkRegister(request.value, 'Register value');
      return withCrc(Buffer.from([...head, request.value >>> 8, request.value & 0xff]));
    case FC_WRITE_MULTIPLE: {
      const n = request.values.length;
      if (n < 1 || n > MAX_WRITE_REGISTERS)
        throw new OutOfRangeError(`Register count must be 1..${MAX_WRITE_REGISTERS}, got ${n}`);
      const body = [...head, n >>> 8, n & 0xff, n * 2];
      for (const v of request.values) {
        checkRegister(v, 'Register value');
        body.push(v >>> 8, v & 0xff);
      }
      return withCrc(Buffer.from(body));
    }
  }
}

export function encodeModbusResponse(response: ModbusResponse): Buffer {
  switch (response.kind) {
    case 'read': {
      const body = [response.slave, FC_READ_HOLDING, response.registers.length * 2];
      for (const v of response.registers) body.push(v >>> 8, v & 0xff);
      return withCrc(Buffer.from(body));
    }
    case 'writeSingle':
      return withCrc(
        Buffer.from([
          response.slave,
          FC_WRITE_SINGLE,
          response.address >>> 8,
          response.address & 0xff,
          response.value >>> 8,
          response.value & 0xff,
        ]),
      );
    case 'writeMultiple':
      return withCrc(
        Buffer.from([
          response.slave,
          FC_WRITE_MULTIPLE,
          response.address >>> 8,
          response.address & 0xff,
          response.count >>> 8,
          response.count & 0xff,
        ]),
      );
    case 'exception':
      return withCrc(Buffer.from([response.slave, response.fc | EXCEPTION_BIT, response.code]));
  }
}

function words(bytes: Uint8Array, at: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((bytes[at + 2 * i]! << 8) | bytes[at + 2 * i + 1]!);
  return out;
}

function requireFrame(frame: Uint8Array, length: number, what: string): void {
  if (frame.length !== length)
    throw new ProtocolError(`Modbus ${what} must be ${length} bytes, got ${frame.length} (${hex(frame)}).`);
  if (!crcMatches(frame)) throw new ProtocolError(`Modbus CRC mismatch (${hex(frame)}).`);
}

/** Decodes one complete request frame (the simulator's side). Throws ProtocolError. */
export function decodeModbusRequest(frame: Uint8Array): ModbusRequest {
  const fc = frame[1];
  const slave = frame[0]!;
  const address = ((frame[2] ?? 0) << 8) | (frame[3] ?? 0);
  switch (fc) {
    case FC_READ_HOLDING:
      requireFrame(frame, 8, 'read request');
      return { fc, slave, address, count: (frame[4]! << 8) | frame[5]! };
    case FC_WRITE_SINGLE:
      requireFrame(frame, 8, 'write-single request');
      return { fc, slave, address, value: (frame[4]! << 8) | frame[5]! };
    case FC_WRITE_MULTIPLE: {
      const count = (frame[4]! << 8) | frame[5]!;
      requireFrame(frame, 9 + (frame[6] ?? 0), 'write-multiple request');
      if (frame[6] !== count * 2)
        throw new ProtocolError(
          `Modbus write-multiple byte count disagrees with register count (${hex(frame)}).`,
        );
      return { fc, slave, address, values: words(frame, 7, count) };
    }
    default:
      throw new ProtocolError(`Unsupported Modbus function 0x${(fc ?? 0).toString(16)} (${hex(frame)}).`);
  }
}

/** Decodes one complete reply frame. Throws ProtocolError. */
export function decodeModbusResponse(frame: Uint8Array): ModbusResponse {
  const slave = frame[0]!;
  const fc = frame[1] ?? 0;
  if (fc & EXCEPTION_BIT) {
    requireFrame(frame, 5, 'exception reply');
    return { kind: 'exception', slave, fc: fc & 0x7f, code: frame[2]! };
  }
  switch (fc) {
    case FC_READ_HOLDING: {
      const byteCount = frame[2] ?? 0;
      requireFrame(frame, 5 + byteCount, 'read reply');
      if (byteCount % 2 !== 0)
        throw new ProtocolError(`Modbus read reply has an odd byte count (${hex(frame)}).`);
      return { kind: 'read', slave, registers: words(frame, 3, byteCount / 2) };
    }
    case FC_WRITE_SINGLE:
      requireFrame(frame, 8, 'write-single reply');
      return {
        kind: 'writeSingle',
        slave,
        address: (frame[2]! << 8) | frame[3]!,
        value: (frame[4]! << 8) | frame[5]!,
      };
    case FC_WRITE_MULTIPLE:
      requireFrame(frame, 8, 'write-multiple reply');
      return {
        kind: 'writeMultiple',
        slave,
        address: (frame[2]! << 8) | frame[3]!,
        count: (frame[4]! << 8) | frame[5]!,
      };
    default:
      throw new ProtocolError(`Unexpected Modbus function 0x${fc.toString(16)} in reply (${hex(frame)}).`);
  }
}

/** Length of the reply frame that starts with `slave fc [byteCount]`, or undefined if `fc` is not ours. */
export function expectedReplyLength(request: ModbusRequest, head: Uint8Array): number | undefined {
  const fc = head[1];
  if (fc === (request.fc | EXCEPTION_BIT)) return 5;
  if (fc !== request.fc) return undefined;
  if (request.fc === FC_READ_HOLDING) return head.length < 3 ? -1 : 5 + head[2]!;
  return 8;
}

export function describeModbusException(code: number): string {
  switch (code) {
    case EXCEPTION.illegalFunction:
      return 'illegal function';
    case EXCEPTION.illegalDataAddress:
      return 'illegal data address (parameter not present on this controller or data map)';
    case EXCEPTION.illegalDataValue:
      return 'illegal data value (out of range for this controller)';
    case EXCEPTION.slaveFailure:
      return 'slave device failure';
    default:
      return 'exception';
  }
}

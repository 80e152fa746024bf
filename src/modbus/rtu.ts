/**
 * Modbus RTU framing: an application data unit is the unit address, the PDU and a CRC-16/Modbus
 * sent low byte first. RTU has no length field, so a receiver works out where a response ends
 * from the request it answers (`expectedResponseLength`).
 */
import { InvalidInputError, OutOfRangeError, type LabbenchErrorOptions } from '../core/errors';
import type { ModbusRequest, ModbusResponse } from './pdu';
import {
  EXCEPTION_BIT,
  FC,
  encodeRequestPdu,
  encodeResponsePdu,
  expectedByteCount,
  isReadFunction,
} from './pdu';

/** Modbus RTU CRC-16 (reflected 0xA001, init 0xFFFF, not complemented). Sent low byte first. */
export function crc16Modbus(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Appends the CRC (low byte first). */
export function withCrc(body: Uint8Array): Buffer {
  const crc = crc16Modbus(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >>> 8])]);
}

export function crcMatches(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16Modbus(frame.subarray(0, frame.length - 2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8;
}

/** Unit 0 is broadcast (no response); 1..247 are devices; 248..255 are reserved. */
export const MAX_UNIT = 247;

/**
 * A Modbus unit (device address) a request may go to: 1..247, or 0 (broadcast, which nothing
 * answers) where `broadcast` allows it — writes, not reads. A number outside that is
 * E_OUT_OF_RANGE; anything but a whole number, E_INVALID_INPUT.
 */
export function requireModbusUnit(unit: unknown, broadcast: boolean, options?: LabbenchErrorOptions): number {
  const allowed = broadcast
    ? `0…${MAX_UNIT} (0 = broadcast)`
    : `1…${MAX_UNIT} (a read cannot be broadcast to 0)`;
  if (typeof unit !== 'number' || !Number.isInteger(unit))
    throw new InvalidInputError(
      `Modbus unit must be a whole number ${allowed}, got ${JSON.stringify(unit)}.`,
      options,
    );
  if (unit < (broadcast ? 0 : 1) || unit > MAX_UNIT)
    throw new OutOfRangeError(`Modbus unit ${unit} is out of range: allowed ${allowed}.`, options);
  return unit;
}

/** The RTU frame carrying `pdu` to `unit`. */
export function encodeRtuFrame(unit: number, pdu: Uint8Array): Buffer {
  return withCrc(Buffer.concat([Buffer.from([unit]), pdu]));
}

/**
 * The validated RTU frame of `request` to `unit`: a read goes to one device (1..247), a write may
 * also be broadcast (0). Throws E_OUT_OF_RANGE / E_INVALID_INPUT before any byte exists.
 */
export function encodeRtuRequest(unit: number, request: ModbusRequest): Buffer {
  requireModbusUnit(unit, !isReadFunction(request.fc));
  return encodeRtuFrame(unit, encodeRequestPdu(request));
}

/** The RTU frame a server at `unit` sends in answer to `request` (simulators, test vectors). */
export function encodeRtuResponse(unit: number, request: ModbusRequest, response: ModbusResponse): Buffer {
  return encodeRtuFrame(unit, encodeResponsePdu(request, response));
}

/** The PDU inside a frame whose CRC has been checked. */
export function pduOfRtuFrame(frame: Uint8Array): Uint8Array {
  return frame.subarray(1, frame.length - 2);
}

/**
 * Length of the response frame to `requestPdu` that starts with `head` (unit, function[, byte
 * count]): undefined when the function is neither the request's nor its exception form, -1 when
 * more bytes are needed to tell.
 */
export function expectedResponseLength(requestPdu: Uint8Array, head: Uint8Array): number | undefined {
  const fc = requestPdu[0]!;
  const got = head[1];
  if (got === (fc | EXCEPTION_BIT)) return 5;
  if (got !== fc) return undefined;
  if (isReadFunction(fc)) return head.length < 3 ? -1 : 5 + head[2]!;
  return 8;
}

/** For reads, the byte count a response must announce; undefined for writes. */
export function expectedResponseByteCount(requestPdu: Uint8Array): number | undefined {
  const fc = requestPdu[0]!;
  if (!isReadFunction(fc)) return undefined;
  return expectedByteCount(fc, (requestPdu[3]! << 8) | requestPdu[4]!);
}

/** Single writes are answered by a copy of the request, so an adapter's echo looks like the reply. */
export function responseCopiesRequest(requestPdu: Uint8Array): boolean {
  return requestPdu[0] === FC.writeSingleCoil || requestPdu[0] === FC.writeSingleRegister;
}

/**
 * Modbus application-layer PDUs (function code + data), independent of the framing that carries
 * them (RTU with CRC, MBAP over TCP). Pure: requests are validated and encoded, responses decoded
 * and checked against the request they answer — byte counts, the address/quantity or value a
 * write must echo, the exception form of the function code. All values are big-endian.
 *
 * Limits are the protocol's own (Modbus Application Protocol V1.1b3 §6): 2000 bits or 125
 * registers per read, 1968 coils or 123 registers per multiple write, addresses 0..65535 with the
 * block not running past 65535.
 */
import { InvalidInputError, OutOfRangeError, ProtocolError } from '../core/errors';

export const FC = {
  readCoils: 0x01,
  readDiscreteInputs: 0x02,
  readHoldingRegisters: 0x03,
  readInputRegisters: 0x04,
  writeSingleCoil: 0x05,
  writeSingleRegister: 0x06,
  writeMultipleCoils: 0x0f,
  writeMultipleRegisters: 0x10,
} as const;

export const EXCEPTION_BIT = 0x80;

export const LIMITS = {
  readBits: 2000,
  readRegisters: 125,
  writeCoils: 1968,
  writeRegisters: 123,
} as const;

/** The standard exception codes a server answers with most often. */
export const EXCEPTION = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  serverDeviceFailure: 0x04,
  gatewayPathUnavailable: 0x0a,
  gatewayTargetFailed: 0x0b,
} as const;

/** The standard exception codes and their names. */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  0x01: 'Illegal Function',
  0x02: 'Illegal Data Address',
  0x03: 'Illegal Data Value',
  0x04: 'Server Device Failure',
  0x05: 'Acknowledge',
  0x06: 'Server Device Busy',
  0x08: 'Memory Parity Error',
  0x0a: 'Gateway Path Unavailable',
  0x0b: 'Gateway Target Device Failed to Respond',
};

export function exceptionName(code: number): string {
  return EXCEPTION_NAMES[code] ?? `Unknown Exception 0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

type ReadFunction =
  | typeof FC.readCoils
  | typeof FC.readDiscreteInputs
  | typeof FC.readHoldingRegisters
  | typeof FC.readInputRegisters;

export type ModbusRequest =
  | { readonly fc: ReadFunction; readonly address: number; readonly quantity: number }
  | { readonly fc: typeof FC.writeSingleCoil; readonly address: number; readonly value: boolean }
  | { readonly fc: typeof FC.writeSingleRegister; readonly address: number; readonly value: number }
  | {
      readonly fc: typeof FC.writeMultipleCoils;
      readonly address: number;
      readonly values: readonly boolean[];
    }
  | {
      readonly fc: typeof FC.writeMultipleRegisters;
      readonly address: number;
      readonly values: readonly number[];
    };

/** A decoded response: data for reads, the confirmation for writes, or the device's refusal. */
export type ModbusResponse =
  | { readonly kind: 'bits'; readonly values: readonly boolean[] }
  | { readonly kind: 'registers'; readonly values: readonly number[] }
  | { readonly kind: 'written'; readonly address: number; readonly quantity: number }
  | { readonly kind: 'exception'; readonly fc: number; readonly code: number };

const isBitRead = (fc: number): boolean => fc === FC.readCoils || fc === FC.readDiscreteInputs;
const isRegisterRead = (fc: number): boolean =>
  fc === FC.readHoldingRegisters || fc === FC.readInputRegisters;
/** Functions 01..04: the response carries data (and a byte count) rather than a confirmation. */
export const isReadFunction = (fc: number): boolean => isBitRead(fc) || isRegisterRead(fc);

function requireInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidInputError(`${what} must be an integer ${min}..${max}, got ${JSON.stringify(value)}.`);
  }
  if (value < min || value > max) throw new OutOfRangeError(`${what} must be ${min}..${max}, got ${value}.`);
  return value;
}

function requireBlock(address: number, quantity: number, max: number): void {
  requireInteger(address, 'Modbus address', 0, 0xffff);
  requireInteger(quantity, 'Modbus quantity', 1, max);
  if (address + quantity > 0x10000) {
    throw new OutOfRangeError(
      `Modbus block ${address}+${quantity} runs past address 65535; read or write fewer items.`,
    );
  }
}

function requireBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean')
    throw new InvalidInputError(`${what} must be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

/** Bytes a read response must carry for `request` (bits packed eight to a byte). */
export function expectedByteCount(fc: number, quantity: number): number {
  return isBitRead(fc) ? Math.ceil(quantity / 8) : quantity * 2;
}

function packBits(values: readonly boolean[]): number[] {
  const bytes = new Array<number>(Math.ceil(values.length / 8)).fill(0);
  values.forEach((on, i) => {
    if (on) bytes[i >> 3]! |= 1 << (i & 7);
  });
  return bytes;
}

function unpackBits(bytes: Uint8Array, at: number, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) out.push(((bytes[at + (i >> 3)]! >> (i & 7)) & 1) === 1);
  return out;
}

function words(bytes: Uint8Array, at: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((bytes[at + 2 * i]! << 8) | bytes[at + 2 * i + 1]!);
  return out;
}

const u16 = (v: number): number[] => [v >>> 8, v & 0xff];

/** Validates and encodes a request PDU. Throws E_INVALID_INPUT / E_OUT_OF_RANGE before any I/O. */
export function encodeRequestPdu(request: ModbusRequest): Uint8Array {
  switch (request.fc) {
    case FC.readCoils:
    case FC.readDiscreteInputs:
      requireBlock(request.address, request.quantity, LIMITS.readBits);
      return Uint8Array.from([request.fc, ...u16(request.address), ...u16(request.quantity)]);
    case FC.readHoldingRegisters:
    case FC.readInputRegisters:
      requireBlock(request.address, request.quantity, LIMITS.readRegisters);
      return Uint8Array.from([request.fc, ...u16(request.address), ...u16(request.quantity)]);
    case FC.writeSingleCoil:
      requireInteger(request.address, 'Modbus address', 0, 0xffff);
      requireBoolean(request.value, 'Coil value');
      return Uint8Array.from([request.fc, ...u16(request.address), request.value ? 0xff : 0x00, 0x00]);
    case FC.writeSingleRegister:
      requireInteger(request.address, 'Modbus address', 0, 0xffff);
      requireInteger(request.value, 'Register value', 0, 0xffff);
      return Uint8Array.from([request.fc, ...u16(request.address), ...u16(request.value)]);
    case FC.writeMultipleCoils:
    case FC.writeMultipleRegisters: {
      const coils = request.fc === FC.writeMultipleCoils;
      if (!Array.isArray(request.values)) {
        throw new InvalidInputError(
          coils
            ? 'Coil values must be an array of booleans.'
            : 'Register values must be an array of integers.',
        );
      }
      requireBlock(request.address, request.values.length, coils ? LIMITS.writeCoils : LIMITS.writeRegisters);
      const data = coils
        ? packBits(request.values.map((v: unknown, i) => requireBoolean(v, `Coil value ${i}`)))
        : request.values.flatMap((v: unknown, i) => u16(requireInteger(v, `Register value ${i}`, 0, 0xffff)));
      return Uint8Array.from([
        request.fc,
        ...u16(request.address),
        ...u16(request.values.length),
        data.length,
        ...data,
      ]);
    }
    default:
      throw new InvalidInputError(
        `Unsupported Modbus function ${JSON.stringify((request as { fc: unknown }).fc)}.`,
      );
  }
}

const hexOf = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');

function requireLength(pdu: Uint8Array, length: number, what: string): void {
  if (pdu.length !== length) {
    throw new ProtocolError(`Modbus ${what} must be ${length} bytes, got ${pdu.length} (${hexOf(pdu)}).`);
  }
}

/**
 * Decodes the response PDU to `request` (as encoded by `encodeRequestPdu`) and checks that it
 * answers it. Throws ProtocolError when it does not; an exception response is returned, not thrown.
 */
export function decodeResponsePdu(requestPdu: Uint8Array, pdu: Uint8Array): ModbusResponse {
  const fc = requestPdu[0]!;
  const got = pdu[0];
  if (got === (fc | EXCEPTION_BIT)) {
    requireLength(pdu, 2, 'exception response');
    return { kind: 'exception', fc, code: pdu[1]! };
  }
  if (got !== fc) {
    throw new ProtocolError(
      `Modbus response has function 0x${(got ?? 0).toString(16)} to a request with 0x${fc.toString(16)} (${hexOf(pdu)}).`,
    );
  }
  const quantity = (requestPdu[3]! << 8) | requestPdu[4]!;
  if (isReadFunction(fc)) {
    const byteCount = expectedByteCount(fc, quantity);
    if (pdu[1] !== byteCount) {
      throw new ProtocolError(
        `Modbus read response carries ${pdu[1] ?? 0} bytes where ${quantity} ${isBitRead(fc) ? 'bits need' : 'registers need'} ${byteCount} (${hexOf(pdu)}).`,
      );
    }
    requireLength(pdu, 2 + byteCount, 'read response');
    return isBitRead(fc)
      ? { kind: 'bits', values: unpackBits(pdu, 2, quantity) }
      : { kind: 'registers', values: words(pdu, 2, quantity) };
  }
  requireLength(pdu, 5, 'write response');
  // Single writes echo address and value; multiple writes echo address and quantity.
  for (let i = 1; i < 5; i++) {
    if (pdu[i] !== requestPdu[i]) {
      throw new ProtocolError(
        `Modbus write response does not echo the request (sent ${hexOf(requestPdu.subarray(0, 5))}, got ${hexOf(pdu)}).`,
      );
    }
  }
  const address = (pdu[1]! << 8) | pdu[2]!;
  const single = fc === FC.writeSingleCoil || fc === FC.writeSingleRegister;
  return { kind: 'written', address, quantity: single ? 1 : (pdu[3]! << 8) | pdu[4]! };
}

// ---- the server's side (simulators, tests) ---------------------------------------------------

/** Decodes a request PDU as a server receives it. Throws ProtocolError on a malformed one. */
export function decodeRequestPdu(pdu: Uint8Array): ModbusRequest {
  const fc = pdu[0] ?? 0;
  const address = ((pdu[1] ?? 0) << 8) | (pdu[2] ?? 0);
  const fifth = ((pdu[3] ?? 0) << 8) | (pdu[4] ?? 0);
  switch (fc) {
    case FC.readCoils:
    case FC.readDiscreteInputs:
    case FC.readHoldingRegisters:
    case FC.readInputRegisters:
      requireLength(pdu, 5, 'read request');
      return { fc, address, quantity: fifth };
    case FC.writeSingleCoil:
      requireLength(pdu, 5, 'write-single-coil request');
      if (fifth !== 0xff00 && fifth !== 0x0000) {
        throw new ProtocolError(`Modbus coil value must be FF00 or 0000, got ${hexOf(pdu.subarray(3, 5))}.`);
      }
      return { fc, address, value: fifth === 0xff00 };
    case FC.writeSingleRegister:
      requireLength(pdu, 5, 'write-single-register request');
      return { fc, address, value: fifth };
    case FC.writeMultipleCoils:
    case FC.writeMultipleRegisters: {
      const byteCount = pdu[5] ?? 0;
      requireLength(pdu, 6 + byteCount, 'write-multiple request');
      if (
        byteCount !==
        expectedByteCount(fc === FC.writeMultipleCoils ? FC.readCoils : FC.readHoldingRegisters, fifth)
      ) {
        throw new ProtocolError(
          `Modbus write-multiple byte count disagrees with its quantity (${hexOf(pdu)}).`,
        );
      }
      return fc === FC.writeMultipleCoils
        ? { fc, address, values: unpackBits(pdu, 6, fifth) }
        : { fc, address, values: words(pdu, 6, fifth) };
    }
    default:
      throw new ProtocolError(`Unsupported Modbus function 0x${fc.toString(16)} (${hexOf(pdu)}).`);
  }
}

/** The exception response refusing function `fc` (its exception form, then the code). */
export function exceptionPdu(fc: number, code: number): Uint8Array {
  return Uint8Array.from([(fc & 0x7f) | EXCEPTION_BIT, code]);
}

/** Encodes the response a server sends to `request`. */
export function encodeResponsePdu(request: ModbusRequest, response: ModbusResponse): Uint8Array {
  switch (response.kind) {
    case 'exception':
      return exceptionPdu(request.fc, response.code);
    case 'bits': {
      const packed = packBits(response.values);
      return Uint8Array.from([request.fc, packed.length, ...packed]);
    }
    case 'registers':
      return Uint8Array.from([request.fc, response.values.length * 2, ...response.values.flatMap(u16)]);
    case 'written':
      // The request's own address and value (single) or address and quantity (multiple).
      return encodeRequestPdu(request).subarray(0, 5);
  }
}

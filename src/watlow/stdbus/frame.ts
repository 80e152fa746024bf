/**
 * BACnet MS/TP outer frame as Watlow uses it:
 *   55 FF | FT DST SRC LENhi LENlo | HCRC | payload (LEN bytes) | DCRC lo hi
 * The data CRC is absent when LEN = 0.
 */
import { OutOfRangeError, ProtocolError } from '../../core/errors';
import { crc16Data, crc8Header } from '../crc';
import { hex } from '../types';

export const PREAMBLE_1 = 0x55;
export const PREAMBLE_2 = 0xff;
export const HEADER_LENGTH = 8; // preamble, 5 header bytes, header CRC
/** "Data Expecting Reply": every request. The PM answers nothing else. */
export const FRAME_TYPE_REQUEST = 0x05;
/** "Data Not Expecting Reply": every controller reply. */
export const FRAME_TYPE_RESPONSE = 0x06;
export const HOST_MAC = 0x00;
/** BACnet allows 501 payload bytes; anything above is noise that happened to pass the header CRC. */
export const MAX_PAYLOAD = 501;

export const MIN_STDBUS_ADDRESS = 1;
export const MAX_STDBUS_ADDRESS = 16;

/** Wire MAC of a controller address: 0x0F + address (1 → 0x10 … 16 → 0x1F). Arithmetic, never text. */
export function macOfAddress(address: number): number {
  if (!Number.isInteger(address) || address < MIN_STDBUS_ADDRESS || address > MAX_STDBUS_ADDRESS) {
    throw new OutOfRangeError(`Std Bus address must be an integer in 1..16, got ${address}`);
  }
  return 0x0f + address;
}

export function addressOfMac(mac: number): number | undefined {
  const address = mac - 0x0f;
  return address >= MIN_STDBUS_ADDRESS && address <= MAX_STDBUS_ADDRESS ? address : undefined;
}

export interface StdBusFrame {
  readonly frameType: number;
  readonly destination: number;
  readonly source: number;
  readonly payload: Uint8Array;
}

export function frameLength(payloadLength: number): number {
  return payloadLength === 0 ? HEADER_LENGTH : HEADER_LENGTH + payloadLength + 2;
}

export function encodeFrame(frame: StdBusFrame): Buffer {
  const n = frame.payload.length;
  if (n > MAX_PAYLOAD) throw new OutOfRangeError(`Std Bus payload of ${n} bytes exceeds ${MAX_PAYLOAD}`);
  const out = Buffer.alloc(frameLength(n));
  out[0] = PREAMBLE_1;
  out[1] = PREAMBLE_2;
  out[2] = frame.frameType;
  out[3] = frame.destination;
  out[4] = frame.source;
  out[5] = n >>> 8;
  out[6] = n & 0xff;
  out[7] = crc8Header(out.subarray(2, 7));
  if (n > 0) {
    out.set(frame.payload, 8);
    const crc = crc16Data(frame.payload);
    out[8 + n] = crc & 0xff;
    out[9 + n] = crc >>> 8;
  }
  return out;
}

/** Request frame from the host (MAC 0x00) to controller `address`. */
export function encodeRequestFrame(address: number, payload: Uint8Array): Buffer {
  return encodeFrame({
    frameType: FRAME_TYPE_REQUEST,
    destination: macOfAddress(address),
    source: HOST_MAC,
    payload,
  });
}

/** Reply frame from controller `address` to the requester's MAC (normally 0x00). */
export function encodeResponseFrame(address: number, payload: Uint8Array, requester = HOST_MAC): Buffer {
  return encodeFrame({
    frameType: FRAME_TYPE_RESPONSE,
    destination: requester,
    source: macOfAddress(address),
    payload,
  });
}

export function headerCrcMatches(bytes: Uint8Array, start: number): boolean {
  return crc8Header(bytes.subarray(start + 2, start + 7)) === bytes[start + 7];
}

export function dataCrcMatches(payload: Uint8Array, low: number, high: number): boolean {
  const crc = crc16Data(payload);
  return (crc & 0xff) === low && crc >>> 8 === high;
}

/** Decodes exactly one complete frame (tests, tools). Streams go through `StdBusScanner`. */
export function decodeFrame(bytes: Uint8Array): StdBusFrame {
  if (bytes.length < HEADER_LENGTH || bytes[0] !== PREAMBLE_1 || bytes[1] !== PREAMBLE_2) {
    throw new ProtocolError(`Not a Std Bus frame (${hex(bytes)}).`);
  }
  if (!headerCrcMatches(bytes, 0)) throw new ProtocolError(`Std Bus header CRC mismatch (${hex(bytes)}).`);
  const n = (bytes[5]! << 8) | bytes[6]!;
  if (n > MAX_PAYLOAD) throw new ProtocolError(`Std Bus length ${n} exceeds ${MAX_PAYLOAD} (${hex(bytes)}).`);
  if (bytes.length !== frameLength(n)) {
    throw new ProtocolError(
      `Std Bus frame length ${bytes.length} does not match its length field ${n} (${hex(bytes)}).`,
    );
  }
  const payload = Uint8Array.from(bytes.subarray(8, 8 + n));
  if (n > 0 && !dataCrcMatches(payload, bytes[8 + n]!, bytes[9 + n]!)) {
    throw new ProtocolError(`Std Bus data CRC mismatch (${hex(bytes)}).`);
  }
  return { frameType: bytes[2]!, destination: bytes[3]!, source: bytes[4]!, payload };
}

import { OutOfRangeError } from '../core/errors';
/**
 * Pure USBTMC / USB488 codecs (USBTMC 1.0 §3 and USB488 1.0): Bulk-OUT and Bulk-IN headers, class
 * request numbers and status codes, GET_CAPABILITIES parsing. No I/O; used by the host side
 * (usbtmc.ts) and by the simulated device (src/sim/visa/usbtmc-device.ts).
 */

export const USBTMC_CLASS = 0xfe;
export const USBTMC_SUBCLASS = 0x03;
export const HEADER_SIZE = 12;

export const MsgId = {
  DEV_DEP_MSG_OUT: 1,
  REQUEST_DEV_DEP_MSG_IN: 2,
  DEV_DEP_MSG_IN: 2,
  VENDOR_SPECIFIC_OUT: 126,
  REQUEST_VENDOR_SPECIFIC_IN: 127,
  TRIGGER: 128,
} as const;

/** Class-specific control requests (bRequest). */
export const Request = {
  INITIATE_ABORT_BULK_OUT: 1,
  CHECK_ABORT_BULK_OUT_STATUS: 2,
  INITIATE_ABORT_BULK_IN: 3,
  CHECK_ABORT_BULK_IN_STATUS: 4,
  INITIATE_CLEAR: 5,
  CHECK_CLEAR_STATUS: 6,
  GET_CAPABILITIES: 7,
  INDICATOR_PULSE: 64,
  READ_STATUS_BYTE: 128,
  REN_CONTROL: 160,
  GO_TO_LOCAL: 161,
  LOCAL_LOCKOUT: 162,
} as const;

export const Status = {
  SUCCESS: 0x01,
  PENDING: 0x02,
  FAILED: 0x80,
  TRANSFER_NOT_IN_PROGRESS: 0x81,
  SPLIT_NOT_IN_PROGRESS: 0x82,
  SPLIT_IN_PROGRESS: 0x83,
  INTERRUPT_IN_BUSY: 0x20,
} as const;

export function statusName(status: number): string {
  const hit = Object.entries(Status).find(([, v]) => v === status);
  return hit ? hit[0] : `0x${status.toString(16).padStart(2, '0')}`;
}

/** bTag sequence 1..255 wrapping to 1: never 0, which Keysight and others reject. */
export function nextBTag(previous: number): number {
  return previous >= 255 || previous < 1 ? 1 : previous + 1;
}

function header(msgId: number, bTag: number, transferSize: number, attributes: number, termChar = 0): Buffer {
  if (!Number.isInteger(bTag) || bTag < 1 || bTag > 255)
    throw new OutOfRangeError(`bTag ${bTag} outside 1..255`);
  const h = Buffer.alloc(HEADER_SIZE);
  h[0] = msgId;
  h[1] = bTag;
  h[2] = ~bTag & 0xff;
  h[3] = 0;
  h.writeUInt32LE(transferSize >>> 0, 4);
  h[8] = attributes;
  h[9] = termChar;
  return h;
}

/** Zero bytes that bring `length` to a multiple of 4 (USBTMC alignment). */
export function padTo4(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** One DEV_DEP_MSG_OUT transfer: header, payload, 0–3 zero bytes. `eom` marks the last one. */
export function encodeDevDepMsgOut(bTag: number, payload: Uint8Array, eom: boolean): Buffer {
  const h = header(MsgId.DEV_DEP_MSG_OUT, bTag, payload.length, eom ? 0x01 : 0x00);
  return Buffer.concat([h, payload, Buffer.alloc(padTo4(payload.length))]);
}

/** REQUEST_DEV_DEP_MSG_IN: ask for up to `maxSize` bytes, optionally ending at `termChar`. */
export function encodeRequestDevDepMsgIn(bTag: number, maxSize: number, termChar?: number): Buffer {
  return header(
    MsgId.REQUEST_DEV_DEP_MSG_IN,
    bTag,
    maxSize,
    termChar === undefined ? 0 : 0x02,
    termChar ?? 0,
  );
}

/** USB488 TRIGGER: a header with no payload. */
export function encodeTrigger(bTag: number): Buffer {
  return header(MsgId.TRIGGER, bTag, 0, 0);
}

export interface BulkHeader {
  msgId: number;
  bTag: number;
  transferSize: number;
  /** Byte 8: MSG_OUT / MSG_IN bit0 = EOM; REQUEST_…_IN bit1 = TermChar enabled. */
  attributes: number;
  /** Byte 9: TermChar of a REQUEST_DEV_DEP_MSG_IN. */
  termChar: number;
}

/** Parses a 12-byte Bulk header; undefined when shorter or when bTagInverse does not match. */
export function decodeHeader(bytes: Uint8Array): BulkHeader | undefined {
  if (bytes.length < HEADER_SIZE) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  if ((~b[1] & 0xff) !== b[2]) return undefined;
  return { msgId: b[0], bTag: b[1], transferSize: b.readUInt32LE(4), attributes: b[8], termChar: b[9] };
}

/** A Bulk-IN DEV_DEP_MSG_IN header as a device sends it (the simulator's side). */
export function encodeDevDepMsgInHeader(
  bTag: number,
  transferSize: number,
  eom: boolean,
  termCharSeen = false,
): Buffer {
  return header(MsgId.DEV_DEP_MSG_IN, bTag, transferSize, (eom ? 0x01 : 0) | (termCharSeen ? 0x02 : 0));
}

export interface UsbtmcCapabilities {
  bcdUsbtmc: number;
  /** Byte 4 bit2. */
  indicatorPulse: boolean;
  talkOnly: boolean;
  listenOnly: boolean;
  /** Byte 5 bit0: the device can end a Bulk-IN transfer at a TermChar. */
  termChar: boolean;
  /** USB488 part (zero on plain USBTMC devices, protocol 0x00). */
  bcdUsb488: number;
  usb488Interface488_2: boolean;
  /** Byte 14 bit1: accepts REN_CONTROL / GO_TO_LOCAL / LOCAL_LOCKOUT. */
  acceptsRemoteLocal: boolean;
  acceptsTrigger: boolean;
  scpi: boolean;
  sr1: boolean;
  rl1: boolean;
  dt1: boolean;
}

/** GET_CAPABILITIES reply (24 bytes; shorter replies read as zeros). */
export function parseCapabilities(reply: Uint8Array): { status: number; capabilities: UsbtmcCapabilities } {
  const b = Buffer.alloc(24);
  Buffer.from(reply.buffer, reply.byteOffset, Math.min(reply.length, 24)).copy(b);
  return {
    status: b[0],
    capabilities: {
      bcdUsbtmc: b.readUInt16LE(2),
      indicatorPulse: (b[4] & 0x04) !== 0,
      talkOnly: (b[4] & 0x02) !== 0,
      listenOnly: (b[4] & 0x01) !== 0,
      termChar: (b[5] & 0x01) !== 0,
      bcdUsb488: b.readUInt16LE(12),
      usb488Interface488_2: (b[14] & 0x04) !== 0,
      acceptsRemoteLocal: (b[14] & 0x02) !== 0,
      acceptsTrigger: (b[14] & 0x01) !== 0,
      scpi: (b[15] & 0x08) !== 0,
      sr1: (b[15] & 0x04) !== 0,
      rl1: (b[15] & 0x02) !== 0,
      dt1: (b[15] & 0x01) !== 0,
    },
  };
}

/** The inverse of parseCapabilities (the simulator's side). */
export function encodeCapabilities(status: number, caps: Partial<UsbtmcCapabilities>): Buffer {
  const b = Buffer.alloc(24);
  b[0] = status;
  b.writeUInt16LE(caps.bcdUsbtmc ?? 0x0100, 2);
  b[4] = (caps.indicatorPulse ? 0x04 : 0) | (caps.talkOnly ? 0x02 : 0) | (caps.listenOnly ? 0x01 : 0);
  b[5] = caps.termChar ? 0x01 : 0;
  b.writeUInt16LE(caps.bcdUsb488 ?? 0, 12);
  b[14] =
    (caps.usb488Interface488_2 ? 0x04 : 0) |
    (caps.acceptsRemoteLocal ? 0x02 : 0) |
    (caps.acceptsTrigger ? 0x01 : 0);
  b[15] = (caps.scpi ? 0x08 : 0) | (caps.sr1 ? 0x04 : 0) | (caps.rl1 ? 0x02 : 0) | (caps.dt1 ? 0x01 : 0);
  return b;
}

/** Bytes to ask of transferIn for a transfer of up to `maxPayload`: whole packets, with room to spare. */
export function bulkInRequestLength(maxPayload: number, packetSize: number): number {
  // One packet more than header + payload + padding need, so the device's transfer always ends in
  // a short packet inside our buffer (a read that ends exactly on a packet boundary would
  // otherwise wait for a packet that belongs to nobody). `usb` 3.x truncates to this length.
  const needed = HEADER_SIZE + maxPayload + 3;
  return (Math.floor(needed / packetSize) + 1) * packetSize;
}

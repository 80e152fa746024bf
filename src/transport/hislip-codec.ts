/**
 * HiSLIP (IVI-6.1) message framing, pure: the 16-byte header, message types and codes, and an
 * incremental frame reader that turns TCP chunks into whole messages. No sockets here; the
 * client (hislip.ts) and the simulated server (src/sim/visa/hislip-server.ts) share it.
 *
 * Header, network byte order: "HS" | message type (u8) | control code (u8) |
 * message parameter (u32) | payload length (u64), then the payload.
 */
import { ProtocolError } from '../core/errors';

export const HISLIP_HEADER_SIZE = 16;
export const HISLIP_PROLOGUE = 0x4853; // "HS"
/** Version we speak: 1.0 (major in the high byte). Servers answer with theirs. */
export const HISLIP_PROTOCOL_VERSION = 0x0100;
/** The first MessageID a client uses, and the one it returns to after a device clear. */
export const HISLIP_INITIAL_MESSAGE_ID = 0xffffff00;
/** MessageID a server may put on data it cannot tie to one client message. */
export const HISLIP_ANY_MESSAGE_ID = 0xffffffff;

export const MessageType = {
  Initialize: 0,
  InitializeResponse: 1,
  FatalError: 2,
  Error: 3,
  AsyncLock: 4,
  AsyncLockResponse: 5,
  Data: 6,
  DataEnd: 7,
  DeviceClearComplete: 8,
  DeviceClearAcknowledge: 9,
  AsyncRemoteLocalControl: 10,
  AsyncRemoteLocalResponse: 11,
  Trigger: 12,
  Interrupted: 13,
  AsyncInterrupted: 14,
  AsyncMaxMsgSize: 15,
  AsyncMaxMsgSizeResponse: 16,
  AsyncInitialize: 17,
  AsyncInitializeResponse: 18,
  AsyncDeviceClear: 19,
  AsyncServiceRequest: 20,
  AsyncStatusQuery: 21,
  AsyncStatusResponse: 22,
  AsyncDeviceClearAcknowledge: 23,
  AsyncLockInfo: 24,
  AsyncLockInfoResponse: 25,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, code]) => [code, name]));

/** "Data (6)", "type 77" — for messages. */
export function messageTypeName(type: number): string {
  const name = TYPE_NAMES.get(type);
  return name === undefined ? `type ${type}` : `${name} (${type})`;
}

/** FatalError control codes (after one, the sender closes both channels). */
export const FatalErrorCode = {
  Unidentified: 0,
  PoorlyFormedHeader: 1,
  ChannelsNotEstablished: 2,
  InvalidInitialization: 3,
  MaxClientsExceeded: 4,
} as const;

/** Error (non-fatal) control codes. */
export const ErrorCode = {
  Unidentified: 0,
  UnrecognizedMessageType: 1,
  UnrecognizedControlCode: 2,
  UnrecognizedVendorMessage: 3,
  MessageTooLarge: 4,
} as const;

const FATAL_TEXT: Record<number, string> = {
  0: 'unidentified error',
  1: 'poorly formed message header',
  2: 'connection used before both channels were established',
  3: 'invalid initialization sequence',
  4: 'maximum number of clients exceeded',
};
const ERROR_TEXT: Record<number, string> = {
  0: 'unidentified error',
  1: 'unrecognized message type',
  2: 'unrecognized control code',
  3: 'unrecognized vendor-defined message',
  4: 'message too large',
};

export function fatalErrorText(code: number): string {
  return FATAL_TEXT[code] ?? (code >= 128 ? `device-defined fatal error ${code}` : `fatal error ${code}`);
}
export function errorText(code: number): string {
  return ERROR_TEXT[code] ?? (code >= 128 ? `device-defined error ${code}` : `error ${code}`);
}

/** AsyncRemoteLocalControl requests (control code), as VISA's viGpibControlREN modes. */
export const RemoteLocal = {
  disableRemote: 0,
  enableRemote: 1,
  disableAndGoToLocal: 2,
  enableAndGoToRemote: 3,
  enableAndLockoutLocal: 4,
  enableGoToRemoteAndLockoutLocal: 5,
  goToLocal: 6,
} as const;
export type RemoteLocalRequest = keyof typeof RemoteLocal;

/** AsyncLockResponse control codes. */
export const LockResult = { failure: 0, success: 1, successShared: 2, error: 3 } as const;

/** Feature bit in InitializeResponse / device-clear acknowledges: 1 = overlapped mode. */
export const FEATURE_OVERLAPPED = 0x01;

export interface HislipHeader {
  type: number;
  control: number;
  parameter: number;
  payloadLength: number;
}

export interface HislipMessage {
  type: number;
  control: number;
  parameter: number;
  payload: Buffer;
}

/**
 * A message as the reader delivers it: the payload as the views of the TCP chunks it arrived in
 * (`parts`, no copy), joined only when `payload` is asked for. A reply spread over many Data
 * messages is then copied exactly once, when the transport joins all their parts.
 */
export class ReceivedMessage implements HislipMessage {
  private joined: Buffer | undefined;

  constructor(
    readonly type: number,
    readonly control: number,
    readonly parameter: number,
    readonly parts: readonly Buffer[],
    readonly payloadLength: number,
  ) {}

  get payload(): Buffer {
    this.joined ??= this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.payloadLength);
    return this.joined;
  }
}

/** Encodes a header for `payloadLength` bytes (written separately, so big payloads are not copied). */
export function encodeHeader(
  type: number,
  control: number,
  parameter: number,
  payloadLength: number,
): Buffer {
  const b = Buffer.allocUnsafe(HISLIP_HEADER_SIZE);
  b.writeUInt16BE(HISLIP_PROLOGUE, 0);
  b.writeUInt8(type & 0xff, 2);
  b.writeUInt8(control & 0xff, 3);
  b.writeUInt32BE(parameter >>> 0, 4);
  b.writeUInt32BE(Math.floor(payloadLength / 0x1_0000_0000), 8);
  b.writeUInt32BE(payloadLength >>> 0, 12);
  return b;
}

/** Header plus payload in one buffer (control messages and small data). */
export function encodeMessage(type: number, control: number, parameter: number, payload?: Buffer): Buffer {
  const header = encodeHeader(type, control, parameter, payload?.length ?? 0);
  return payload && payload.length > 0 ? Buffer.concat([header, payload]) : header;
}

/** The 8-byte big-endian size carried by AsyncMaxMsgSize and its response. */
export function encodeSize64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 0);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}

/** Reads the 8-byte size; sizes beyond 2^53 (nobody's buffer) come back as MAX_SAFE_INTEGER. */
export function decodeSize64(payload: Buffer): number {
  if (payload.length !== 8)
    throw new ProtocolError(`HiSLIP size field has ${payload.length} bytes instead of 8.`);
  const high = payload.readUInt32BE(0);
  if (high >= 0x20_0000) return Number.MAX_SAFE_INTEGER;
  return high * 0x1_0000_0000 + payload.readUInt32BE(4);
}

/**
 * Decodes the header at `offset` (16 bytes must be there). A wrong prologue means the stream is
 * out of step; a payload longer than `maxPayload` is refused before anything is allocated for it.
 * Both are ProtocolErrors: the connection cannot be trusted afterwards.
 */
export function decodeHeader(bytes: Buffer, maxPayload: number, offset = 0): HislipHeader {
  if (bytes.length - offset < HISLIP_HEADER_SIZE)
    throw new ProtocolError(`HiSLIP header needs 16 bytes, got ${Math.max(0, bytes.length - offset)}.`);
  const prologue = bytes.readUInt16BE(offset);
  if (prologue !== HISLIP_PROLOGUE) {
    throw new ProtocolError(
      `HiSLIP message does not start with "HS" (got 0x${prologue.toString(16).padStart(4, '0')}); the stream is out of step.`,
    );
  }
  const high = bytes.readUInt32BE(offset + 8);
  const low = bytes.readUInt32BE(offset + 12);
  // Compare before combining: a length of 2^63 must not become a float that rounds below the cap.
  if (high >= 0x20_0000 || high * 0x1_0000_0000 + low > maxPayload) {
    const shown = (BigInt(high) << 32n) | BigInt(low);
    throw new ProtocolError(
      `HiSLIP ${messageTypeName(bytes.readUInt8(offset + 2))} announces a ${shown}-byte payload, more than the ${maxPayload} bytes allowed.`,
      { deviceCode: ErrorCode.MessageTooLarge },
    );
  }
  return {
    type: bytes.readUInt8(offset + 2),
    control: bytes.readUInt8(offset + 3),
    parameter: bytes.readUInt32BE(offset + 4),
    payloadLength: high * 0x1_0000_0000 + low,
  };
}

/**
 * Turns a byte stream into messages. Chunks are kept as a list and payloads handed out as views of
 * them, so a 16 MiB reply costs linear time and one copy (the caller's final join). After an
 * error the reader stays broken: the stream has lost its framing.
 */
export class HislipFrameReader {
  private readonly chunks: Buffer[] = [];
  private headOffset = 0;
  private buffered = 0;
  private header: HislipHeader | undefined;
  private broken: Error | undefined;

  /** `maxPayload`: the largest payload accepted (what this side announced it can take). */
  constructor(private maxPayload: number) {}

  setMaxPayload(n: number): void {
    this.maxPayload = n;
  }

  /** Bytes received but not yet part of a whole message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): ReceivedMessage[] {
    if (this.broken) throw this.broken;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: ReceivedMessage[] = [];
    try {
      for (;;) {
        if (!this.header) {
          if (this.buffered < HISLIP_HEADER_SIZE) break;
          this.header = decodeHeader(this.takeJoined(HISLIP_HEADER_SIZE), this.maxPayload);
        }
        if (this.buffered < this.header.payloadLength) break;
        const { type, control, parameter, payloadLength } = this.header;
        this.header = undefined;
        out.push(new ReceivedMessage(type, control, parameter, this.takeParts(payloadLength), payloadLength));
      }
    } catch (err) {
      this.broken = err as Error;
      throw err;
    }
    return out;
  }

  /** Removes `n` buffered bytes as views of the chunks they sit in (no copy). */
  private takeParts(n: number): Buffer[] {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const head = this.chunks[0];
      const part = Math.min(left, head.length - this.headOffset);
      parts.push(head.subarray(this.headOffset, this.headOffset + part));
      left -= part;
      this.advance(part);
    }
    return parts;
  }

  /** Removes `n` buffered bytes as one buffer (a view when they sit in one chunk). */
  private takeJoined(n: number): Buffer {
    const parts = this.takeParts(n);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  private advance(n: number): void {
    this.buffered -= n;
    this.headOffset += n;
    if (this.headOffset === this.chunks[0].length) {
      this.chunks.shift();
      this.headOffset = 0;
    }
  }
}

/** The MessageID after `id`: +2, wrapping at 32 bits. */
export function nextMessageId(id: number): number {
  return (id + 2) >>> 0;
}

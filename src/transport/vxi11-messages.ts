/**
 * Pure VXI-11 (VXIbus TCP/IP Instrument Protocol, rev 1.0, B.6 RPCL) and portmapper (RFC 1833
 * version 2) argument / result codecs, for both sides. Field order follows the RPCL exactly.
 */
import { XdrReader, XdrWriter } from './vxi11-xdr';

export const PORTMAPPER = {
  PROG: 100000,
  VERS: 2,
  PROC_GETPORT: 3,
  PROTO_TCP: 6,
  DEFAULT_PORT: 111,
} as const;

export const DEVICE_CORE = { PROG: 0x0607af, VERS: 1 } as const;
export const DEVICE_ASYNC = { PROG: 0x0607b0, VERS: 1 } as const;

export const CoreProc = {
  CREATE_LINK: 10,
  DEVICE_WRITE: 11,
  DEVICE_READ: 12,
  DEVICE_READSTB: 13,
  DEVICE_TRIGGER: 14,
  DEVICE_CLEAR: 15,
  DEVICE_REMOTE: 16,
  DEVICE_LOCAL: 17,
  DEVICE_LOCK: 18,
  DEVICE_UNLOCK: 19,
  DESTROY_LINK: 23,
} as const;

/** Device_Flags bits. */
export const Flags = { WAITLOCK: 0x01, END: 0x08, TERMCHRSET: 0x80 } as const;
/** Device_ReadResp.reason bits: why the read ended. */
export const Reason = { REQCNT: 0x01, CHR: 0x02, END: 0x04 } as const;

/** Device_ErrorCode values (VXI-11 B.5.2). */
export const Vxi11Error = {
  NONE: 0,
  SYNTAX: 1,
  DEVICE_NOT_ACCESSIBLE: 3,
  INVALID_LINK: 4,
  PARAMETER: 5,
  CHANNEL_NOT_ESTABLISHED: 6,
  OPERATION_NOT_SUPPORTED: 8,
  OUT_OF_RESOURCES: 9,
  DEVICE_LOCKED: 11,
  NO_LOCK_HELD: 12,
  IO_TIMEOUT: 15,
  IO_ERROR: 17,
  INVALID_ADDRESS: 21,
  ABORT: 23,
  CHANNEL_ALREADY_ESTABLISHED: 29,
} as const;

export function vxi11ErrorText(code: number): string {
  const hit = Object.entries(Vxi11Error).find(([, v]) => v === code);
  return hit ? `${hit[0].toLowerCase().replace(/_/g, ' ')} (${code})` : `error ${code}`;
}

// --- XDR structs --------------------------------------------------------------------------------

/**
 * How a field travels: XDR int / unsigned int / bool, variable-length opaque, a string of at most
 * `string` bytes, or an RPCL `char` (a 4-byte int on the wire of which only the low byte counts).
 */
type FieldKind = 'int' | 'uint' | 'bool' | 'opaque' | 'char' | { string: number };

/**
 * One RPCL struct: its fields in wire order, from which both the encoder and the decoder are
 * made, so the two sides can never disagree on the order. Decoded opaques are copies (the record
 * they came from is reused).
 */
function xdrStruct<T extends object>(
  fields: readonly (readonly [keyof T & string, FieldKind])[],
): { encode(value: T): Buffer; decode(bytes: Buffer): T } {
  return {
    encode(value) {
      const w = new XdrWriter();
      for (const [name, kind] of fields) {
        const v = value[name] as unknown;
        if (kind === 'int' || kind === 'char') w.int(v as number);
        else if (kind === 'uint') w.uint(v as number);
        else if (kind === 'bool') w.bool(v as boolean);
        else if (kind === 'opaque') w.opaque(v as Uint8Array);
        else w.string(v as string);
      }
      return w.toBuffer();
    },
    decode(bytes) {
      const r = new XdrReader(bytes);
      const out: Record<string, unknown> = {};
      for (const [name, kind] of fields) {
        if (kind === 'int') out[name] = r.int();
        else if (kind === 'char') out[name] = r.int() & 0xff;
        else if (kind === 'uint') out[name] = r.uint();
        else if (kind === 'bool') out[name] = r.bool();
        else if (kind === 'opaque') out[name] = Buffer.from(r.opaque());
        else out[name] = r.string(kind.string);
      }
      return out as T;
    },
  };
}

// --- portmapper ----------------------------------------------------------------------------------

export function encodeGetPort(prog: number, vers: number, prot: number = PORTMAPPER.PROTO_TCP): Buffer {
  // The trailing 0 is the mapping's port field, which GETPORT leaves empty.
  return new XdrWriter().uint(prog).uint(vers).uint(prot).uint(0).toBuffer();
}

export const { decode: decodeGetPort } = xdrStruct<{ prog: number; vers: number; prot: number }>([
  ['prog', 'uint'],
  ['vers', 'uint'],
  ['prot', 'uint'],
]);

// --- create_link ---------------------------------------------------------------------------------

export interface CreateLinkParms {
  clientId: number;
  lockDevice: boolean;
  lockTimeout: number;
  device: string;
}

export const { encode: encodeCreateLink, decode: decodeCreateLink } = xdrStruct<CreateLinkParms>([
  ['clientId', 'int'],
  ['lockDevice', 'bool'],
  ['lockTimeout', 'uint'],
  ['device', { string: 256 }],
]);

export interface CreateLinkResp {
  error: number;
  lid: number;
  abortPort: number;
  maxRecvSize: number;
}

export const { encode: encodeCreateLinkResp, decode: decodeCreateLinkResp } = xdrStruct<CreateLinkResp>([
  ['error', 'int'],
  ['lid', 'int'],
  ['abortPort', 'uint'],
  ['maxRecvSize', 'uint'],
]);

// --- device_write --------------------------------------------------------------------------------

export interface WriteParms {
  lid: number;
  ioTimeout: number;
  lockTimeout: number;
  flags: number;
  data: Buffer;
}

export const { encode: encodeWrite, decode: decodeWrite } = xdrStruct<WriteParms>([
  ['lid', 'int'],
  ['ioTimeout', 'uint'],
  ['lockTimeout', 'uint'],
  ['flags', 'int'],
  ['data', 'opaque'],
]);

const writeResp = xdrStruct<{ error: number; size: number }>([
  ['error', 'int'],
  ['size', 'uint'],
]);

export function encodeWriteResp(error: number, size: number): Buffer {
  return writeResp.encode({ error, size });
}

export const decodeWriteResp = writeResp.decode;

// --- device_read ---------------------------------------------------------------------------------

export interface ReadParms {
  lid: number;
  requestSize: number;
  ioTimeout: number;
  lockTimeout: number;
  flags: number;
  termChar: number;
}

export const { encode: encodeRead, decode: decodeRead } = xdrStruct<ReadParms>([
  ['lid', 'int'],
  ['requestSize', 'uint'],
  ['ioTimeout', 'uint'],
  ['lockTimeout', 'uint'],
  ['flags', 'int'],
  ['termChar', 'char'],
]);

export interface ReadResp {
  error: number;
  reason: number;
  data: Buffer;
}

export const { encode: encodeReadResp, decode: decodeReadResp } = xdrStruct<ReadResp>([
  ['error', 'int'],
  ['reason', 'int'],
  ['data', 'opaque'],
]);

// --- generic (clear, remote, local, trigger), destroy_link, Device_Error -------------------------

export interface GenericParms {
  lid: number;
  flags: number;
  lockTimeout: number;
  ioTimeout: number;
}

export const { encode: encodeGeneric, decode: decodeGeneric } = xdrStruct<GenericParms>([
  ['lid', 'int'],
  ['flags', 'int'],
  ['lockTimeout', 'uint'],
  ['ioTimeout', 'uint'],
]);

/** Device_Link (destroy_link's argument) and Device_Error (most results): one int each. */
export function encodeLink(lid: number): Buffer {
  return new XdrWriter().int(lid).toBuffer();
}

export function decodeLink(args: Buffer): number {
  return new XdrReader(args).int();
}

export const encodeDeviceError = encodeLink;
export const decodeDeviceError = decodeLink;

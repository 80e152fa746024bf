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

// --- portmapper ----------------------------------------------------------------------------------

export function encodeGetPort(prog: number, vers: number, prot: number = PORTMAPPER.PROTO_TCP): Buffer {
  return new XdrWriter().uint(prog).uint(vers).uint(prot).uint(0).toBuffer();
}

export function decodeGetPort(args: Buffer): { prog: number; vers: number; prot: number } {
  const r = new XdrReader(args);
  return { prog: r.uint(), vers: r.uint(), prot: r.uint() };
}

// --- create_link ---------------------------------------------------------------------------------

export interface CreateLinkParms {
  clientId: number;
  lockDevice: boolean;
  lockTimeout: number;
  device: string;
}

export function encodeCreateLink(p: CreateLinkParms): Buffer {
  return new XdrWriter().int(p.clientId).bool(p.lockDevice).uint(p.lockTimeout).string(p.device).toBuffer();
}

export function decodeCreateLink(args: Buffer): CreateLinkParms {
  const r = new XdrReader(args);
  return { clientId: r.int(), lockDevice: r.bool(), lockTimeout: r.uint(), device: r.string(256) };
}

export interface CreateLinkResp {
  error: number;
  lid: number;
  abortPort: number;
  maxRecvSize: number;
}

export function encodeCreateLinkResp(p: CreateLinkResp): Buffer {
  return new XdrWriter().int(p.error).int(p.lid).uint(p.abortPort).uint(p.maxRecvSize).toBuffer();
}

export function decodeCreateLinkResp(result: Buffer): CreateLinkResp {
  const r = new XdrReader(result);
  return { error: r.int(), lid: r.int(), abortPort: r.uint(), maxRecvSize: r.uint() };
}

// --- device_write --------------------------------------------------------------------------------

export interface WriteParms {
  lid: number;
  ioTimeout: number;
  lockTimeout: number;
  flags: number;
  data: Buffer;
}

export function encodeWrite(p: WriteParms): Buffer {
  return new XdrWriter()
    .int(p.lid)
    .uint(p.ioTimeout)
    .uint(p.lockTimeout)
    .int(p.flags)
    .opaque(p.data)
    .toBuffer();
}

export function decodeWrite(args: Buffer): WriteParms {
  const r = new XdrReader(args);
  return { lid: r.int(), ioTimeout: r.uint(), lockTimeout: r.uint(), flags: r.int(), data: r.opaque() };
}

export function encodeWriteResp(error: number, size: number): Buffer {
  return new XdrWriter().int(error).uint(size).toBuffer();
}

export function decodeWriteResp(result: Buffer): { error: number; size: number } {
  const r = new XdrReader(result);
  return { error: r.int(), size: r.uint() };
}

// --- device_read ---------------------------------------------------------------------------------

export interface ReadParms {
  lid: number;
  requestSize: number;
  ioTimeout: number;
  lockTimeout: number;
  flags: number;
  termChar: number;
}

export function encodeRead(p: ReadParms): Buffer {
  // termChar is an RPCL `char`, which XDR carries as a 4-byte int.
  return new XdrWriter()
    .int(p.lid)
    .uint(p.requestSize)
    .uint(p.ioTimeout)
    .uint(p.lockTimeout)
    .int(p.flags)
    .int(p.termChar)
    .toBuffer();
}

export function decodeRead(args: Buffer): ReadParms {
  const r = new XdrReader(args);
  return {
    lid: r.int(),
    requestSize: r.uint(),
    ioTimeout: r.uint(),
    lockTimeout: r.uint(),
    flags: r.int(),
    termChar: r.int() & 0xff,
  };
}

export interface ReadResp {
  error: number;
  reason: number;
  data: Buffer;
}

export function encodeReadResp(p: ReadResp): Buffer {
  return new XdrWriter().int(p.error).int(p.reason).opaque(p.data).toBuffer();
}

export function decodeReadResp(result: Buffer): ReadResp {
  const r = new XdrReader(result);
  return { error: r.int(), reason: r.int(), data: Buffer.from(r.opaque()) };
}

// --- generic (clear, remote, local, trigger), destroy_link, Device_Error -------------------------

export interface GenericParms {
  lid: number;
  flags: number;
  lockTimeout: number;
  ioTimeout: number;
}

export function encodeGeneric(p: GenericParms): Buffer {
  return new XdrWriter().int(p.lid).int(p.flags).uint(p.lockTimeout).uint(p.ioTimeout).toBuffer();
}

export function decodeGeneric(args: Buffer): GenericParms {
  const r = new XdrReader(args);
  return { lid: r.int(), flags: r.int(), lockTimeout: r.uint(), ioTimeout: r.uint() };
}

export function encodeLink(lid: number): Buffer {
  return new XdrWriter().int(lid).toBuffer();
}

export function decodeLink(args: Buffer): number {
  return new XdrReader(args).int();
}

export function encodeDeviceError(error: number): Buffer {
  return new XdrWriter().int(error).toBuffer();
}

export function decodeDeviceError(result: Buffer): number {
  return new XdrReader(result).int();
}

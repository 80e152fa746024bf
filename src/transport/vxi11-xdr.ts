/**
 * Pure ONC RPC (RFC 5531) over TCP codecs: XDR primitives (RFC 4506), record marking, and call /
 * reply message headers with AUTH_NONE. No I/O; shared by the VXI-11 client and its simulator.
 */
import { ProtocolError } from '../core/errors';

export class XdrWriter {
  private readonly parts: Buffer[] = [];

  uint(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0, 0);
    this.parts.push(b);
    return this;
  }

  int(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value | 0, 0);
    this.parts.push(b);
    return this;
  }

  bool(value: boolean): this {
    return this.uint(value ? 1 : 0);
  }

  /** Variable-length opaque: length, bytes, zero padding to 4. */
  opaque(bytes: Uint8Array): this {
    this.uint(bytes.length);
    this.parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    const pad = (4 - (bytes.length % 4)) % 4;
    if (pad) this.parts.push(Buffer.alloc(pad));
    return this;
  }

  string(text: string): this {
    return this.opaque(Buffer.from(text, 'latin1'));
  }

  raw(bytes: Buffer): this {
    this.parts.push(bytes);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A corrupt or truncated RPC stream: a protocol error of the package (E_PROTOCOL), by its own name. */
export class XdrError extends ProtocolError {}

export class XdrReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.offset + n > this.buf.length)
      throw new XdrError(`XDR data ends early (need ${n} bytes at ${this.offset} of ${this.buf.length})`);
  }

  uint(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  opaque(maxLength = 1 << 24): Buffer {
    const len = this.uint();
    if (len > maxLength) throw new XdrError(`XDR opaque of ${len} bytes exceeds ${maxLength}`);
    this.need(len);
    const out = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len + ((4 - (len % 4)) % 4);
    if (this.offset > this.buf.length) throw new XdrError('XDR padding missing');
    return out;
  }

  string(maxLength?: number): string {
    return this.opaque(maxLength).toString('latin1');
  }

  rest(): Buffer {
    return this.buf.subarray(this.offset);
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

// --- record marking (RFC 5531 §11) ------------------------------------------------------------

const LAST_FRAGMENT = 0x80000000;
/** Larger records than this are not what a VXI-11 peer sends; treat them as a corrupt stream. */
export const MAX_RECORD = 16 * 1024 * 1024;

/** One record as a single last fragment. */
export function encodeRecord(payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32BE((LAST_FRAGMENT | payload.length) >>> 0, 0);
  return Buffer.concat([h, payload]);
}

/** Reassembles records from a TCP byte stream (fragments joined; records handed out whole). */
export class RecordAssembler {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private size = 0;
  private corrupt: XdrError | undefined;

  /**
   * Feeds bytes; returns every record completed by them. Throws XdrError on a corrupt stream —
   * after handing out the records completed before the corruption (they are valid; the error
   * comes with the next push).
   */
  push(chunk: Buffer): Buffer[] {
    if (this.corrupt) throw this.corrupt;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    while (this.buffer.length >= 4) {
      const mark = this.buffer.readUInt32BE(0);
      const len = mark & 0x7fffffff;
      if (this.size + len > MAX_RECORD) {
        this.corrupt = new XdrError(`RPC record larger than ${MAX_RECORD} bytes`);
        if (out.length > 0) return out;
        throw this.corrupt;
      }
      if (this.buffer.length < 4 + len) break;
      this.fragments.push(this.buffer.subarray(4, 4 + len));
      this.size += len;
      this.buffer = this.buffer.subarray(4 + len);
      if ((mark & LAST_FRAGMENT) !== 0) {
        out.push(Buffer.concat(this.fragments, this.size));
        this.fragments = [];
        this.size = 0;
      }
    }
    return out;
  }
}

// --- RPC messages -------------------------------------------------------------------------------

export const RPC_VERSION = 2;
export const MsgType = { CALL: 0, REPLY: 1 } as const;
export const ReplyStat = { MSG_ACCEPTED: 0, MSG_DENIED: 1 } as const;
export const AcceptStat = {
  SUCCESS: 0,
  PROG_UNAVAIL: 1,
  PROG_MISMATCH: 2,
  PROC_UNAVAIL: 3,
  GARBAGE_ARGS: 4,
  SYSTEM_ERR: 5,
} as const;
const AUTH_NONE = 0;

export interface RpcCall {
  xid: number;
  prog: number;
  vers: number;
  proc: number;
  /** The procedure's XDR-encoded arguments. */
  args: Buffer;
}

export function encodeCall(call: RpcCall): Buffer {
  return new XdrWriter()
    .uint(call.xid)
    .uint(MsgType.CALL)
    .uint(RPC_VERSION)
    .uint(call.prog)
    .uint(call.vers)
    .uint(call.proc)
    .uint(AUTH_NONE)
    .opaque(Buffer.alloc(0))
    .uint(AUTH_NONE)
    .opaque(Buffer.alloc(0))
    .raw(call.args)
    .toBuffer();
}

/** Server side: parses a call (credentials are read and ignored). */
export function decodeCall(record: Buffer): RpcCall & { rpcvers: number } {
  const r = new XdrReader(record);
  const xid = r.uint();
  if (r.uint() !== MsgType.CALL) throw new XdrError('not an RPC call');
  const rpcvers = r.uint();
  const prog = r.uint();
  const vers = r.uint();
  const proc = r.uint();
  r.uint();
  r.opaque(400);
  r.uint();
  r.opaque(400);
  return { xid, rpcvers, prog, vers, proc, args: r.rest() };
}

export type RpcReply =
  { xid: number; kind: 'success'; result: Buffer } | { xid: number; kind: 'error'; reason: string };

/** Client side: parses a reply; anything but "accepted, SUCCESS" becomes kind 'error'. */
export function decodeReply(record: Buffer): RpcReply {
  const r = new XdrReader(record);
  const xid = r.uint();
  if (r.uint() !== MsgType.REPLY) throw new XdrError('not an RPC reply');
  const stat = r.uint();
  if (stat === ReplyStat.MSG_DENIED) {
    const rejectStat = r.uint();
    return {
      xid,
      kind: 'error',
      reason: rejectStat === 0 ? 'RPC version mismatch' : 'authentication refused',
    };
  }
  r.uint();
  r.opaque(400);
  const accept = r.uint();
  switch (accept) {
    case AcceptStat.SUCCESS:
      return { xid, kind: 'success', result: r.rest() };
    case AcceptStat.PROG_UNAVAIL:
      return { xid, kind: 'error', reason: 'program unavailable' };
    case AcceptStat.PROG_MISMATCH:
      return { xid, kind: 'error', reason: `program version mismatch (supported ${r.uint()}..${r.uint()})` };
    case AcceptStat.PROC_UNAVAIL:
      return { xid, kind: 'error', reason: 'procedure unavailable' };
    case AcceptStat.GARBAGE_ARGS:
      return { xid, kind: 'error', reason: 'arguments not understood' };
    default:
      return { xid, kind: 'error', reason: `system error (${accept})` };
  }
}

/** Server side: an accepted reply with `acceptStat` (and the result for SUCCESS). */
export function encodeReply(
  xid: number,
  acceptStat: number,
  result: Buffer = Buffer.alloc(0),
  mismatch?: [number, number],
): Buffer {
  const w = new XdrWriter()
    .uint(xid)
    .uint(MsgType.REPLY)
    .uint(ReplyStat.MSG_ACCEPTED)
    .uint(AUTH_NONE)
    .opaque(Buffer.alloc(0))
    .uint(acceptStat);
  if (acceptStat === AcceptStat.PROG_MISMATCH && mismatch) w.uint(mismatch[0]).uint(mismatch[1]);
  if (acceptStat === AcceptStat.SUCCESS) w.raw(result);
  return w.toBuffer();
}

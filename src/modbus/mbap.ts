/**
 * MBAP, the framing of Modbus TCP: a 7-byte header — transaction id (2 bytes), protocol id (2,
 * always 0 for Modbus), length (2: the unit id plus the PDU), unit id (1) — then the PDU. Big
 * endian throughout. Pure: no I/O.
 *
 * Resynchronisation rule: TCP has no frame delimiter, so the length field is the only thing that
 * says where the next frame starts. A header whose protocol id is not 0 or whose length is out of
 * range means the stream position is lost — nothing after it can be trusted. The decoder then
 * refuses everything until `reset`, and the link closes the connection; the next transaction opens
 * a fresh one (the registry's stale-handle rule). Guessing a new frame start inside a TCP stream
 * could deliver a forged reply, so we never scan for one.
 */
import { InvalidInputError, ProtocolError } from '../core/errors';

export const MBAP_HEADER_LENGTH = 7;
export const MBAP_PROTOCOL_ID = 0;
/** Longest PDU: 253 bytes, the RTU frame's 256 minus address and CRC. */
export const MAX_PDU_LENGTH = 253;
/** The length field counts the unit id and the PDU: 2 (function + one byte) … 254. */
export const MIN_MBAP_LENGTH = 2;
export const MAX_MBAP_LENGTH = MAX_PDU_LENGTH + 1;

export interface MbapFrame {
  readonly transactionId: number;
  readonly unitId: number;
  readonly pdu: Buffer;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** Frames one PDU. Throws E_INVALID_INPUT for ids out of range or a PDU of the wrong size. */
export function encodeMbap(frame: { transactionId: number; unitId: number; pdu: Uint8Array }): Buffer {
  const { transactionId, unitId, pdu } = frame;
  if (!Number.isInteger(transactionId) || transactionId < 0 || transactionId > 0xffff)
    throw new InvalidInputError(`MBAP transaction id must be 0..65535, got ${transactionId}.`);
  if (!Number.isInteger(unitId) || unitId < 0 || unitId > 0xff)
    throw new InvalidInputError(`Modbus unit id must be 0..255, got ${unitId}.`);
  if (pdu.length < 1 || pdu.length > MAX_PDU_LENGTH)
    throw new InvalidInputError(`A Modbus PDU is 1..${MAX_PDU_LENGTH} bytes, got ${pdu.length}.`);
  const out = Buffer.allocUnsafe(MBAP_HEADER_LENGTH + pdu.length);
  out.writeUInt16BE(transactionId, 0);
  out.writeUInt16BE(MBAP_PROTOCOL_ID, 2);
  out.writeUInt16BE(pdu.length + 1, 4);
  out[6] = unitId;
  out.set(pdu, MBAP_HEADER_LENGTH);
  return out;
}

export interface MbapDecodeResult {
  /** Complete frames, in stream order (those before a corrupt header included). */
  readonly frames: MbapFrame[];
  /** Set once a corrupt header was met: this push's and every later push's bytes are refused. */
  readonly error?: ProtocolError;
}

/** What an idle decoder holds (shared: it is never written to). */
const NOTHING_PENDING = Buffer.alloc(0);

/**
 * Cuts a TCP byte stream into MBAP frames. `push` returns the complete frames so far; a corrupt
 * header yields a ProtocolError and leaves the decoder refusing (see the rule above) until `reset`.
 * Memory is bounded: at most one header plus MAX_MBAP_LENGTH bytes wait for completion, and no
 * buffer is sized from a length field before that field is checked.
 */
export class MbapDecoder {
  private pending: Buffer = NOTHING_PENDING;
  private failure: ProtocolError | undefined;

  /** True once a corrupt header was seen; the stream must be dropped. */
  get desynchronised(): boolean {
    return this.failure !== undefined;
  }

  /** Bytes of an incomplete frame waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }

  reset(): void {
    this.pending = NOTHING_PENDING;
    this.failure = undefined;
  }

  push(chunk: Uint8Array): MbapDecodeResult {
    if (this.failure) return { frames: [], error: this.failure };
    // A view of the caller's chunk, not a copy: what is kept from it (PDUs, an incomplete tail)
    // is copied below, so the caller may reuse its buffer afterwards.
    let buf =
      this.pending.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([this.pending, chunk]);
    const frames: MbapFrame[] = [];
    while (buf.length >= MBAP_HEADER_LENGTH) {
      const protocolId = buf.readUInt16BE(2);
      const length = buf.readUInt16BE(4);
      if (protocolId !== MBAP_PROTOCOL_ID)
        return this.fail(
          frames,
          `protocol id ${protocolId} instead of 0 (header ${hex(buf.subarray(0, 7))})`,
        );
      if (length < MIN_MBAP_LENGTH || length > MAX_MBAP_LENGTH)
        return this.fail(
          frames,
          `length field ${length} outside ${MIN_MBAP_LENGTH}..${MAX_MBAP_LENGTH} (header ${hex(buf.subarray(0, 7))})`,
        );
      const total = MBAP_HEADER_LENGTH - 1 + length;
      if (buf.length < total) break;
      frames.push({
        transactionId: buf.readUInt16BE(0),
        unitId: buf[6]!,
        // A copy: the caller may keep it while this buffer is reused.
        pdu: Buffer.from(buf.subarray(MBAP_HEADER_LENGTH, total)),
      });
      buf = buf.subarray(total);
    }
    this.pending = buf.length === 0 ? NOTHING_PENDING : Buffer.from(buf);
    return { frames };
  }

  private fail(frames: MbapFrame[], why: string): MbapDecodeResult {
    this.pending = NOTHING_PENDING;
    this.failure = new ProtocolError(
      `Corrupt Modbus TCP frame: ${why}. The connection cannot be trusted any more and is reopened.`,
    );
    return { frames, error: this.failure };
  }
}

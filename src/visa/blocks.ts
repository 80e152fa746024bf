/**
 * IEEE 488.2 arbitrary block responses (pure, no I/O):
 *
 *   definite    `#<n><len><bytes>`  — n (1..9) digits of decimal length, then exactly len bytes
 *   indefinite  `#0<bytes>\n`        — bytes up to the final LF (sent with END)
 *
 * Framing (where a block ends on a byte stream) is the transport's job (line-framer.ts with
 * block-header.ts); this module decodes a whole received message against its header and turns
 * block bytes into numbers. A header that claims more than the cap (MAX_BLOCK_BYTES) is refused.
 */
import { ProtocolError } from '../core/errors';
import { MAX_BLOCK_BYTES, probeBlockHeader } from '../transport/block-header';

export { MAX_BLOCK_BYTES };

const LF = 0x0a;
const CR = 0x0d;

/** True when `message` (terminator included or not) starts with an IEEE 488.2 block. */
export function startsWithBlock(message: Uint8Array): boolean {
  return message.length >= 2 && message[0] === 0x23 && message[1] >= 0x30 && message[1] <= 0x39;
}

/**
 * The data bytes of a whole block response (terminator included or not), without copying.
 * Fails with ProtocolError when the message is not a block, is shorter than its header says,
 * or carries anything but the terminator after the announced bytes (the header lied).
 */
export function decodeBlock(message: Uint8Array, cap = MAX_BLOCK_BYTES): Buffer {
  const buf = Buffer.isBuffer(message)
    ? message
    : Buffer.from(message.buffer, message.byteOffset, message.length);
  const header = probeBlockHeader(buf, 0, cap);
  if (header.kind === 'oversize') {
    throw new ProtocolError(
      `The instrument announced a binary block of ${header.length} bytes; this package reads at most ${cap} bytes per block.`,
    );
  }
  if (header.kind === 'text' || header.kind === 'incomplete') {
    throw new ProtocolError(
      `Expected an IEEE 488.2 binary block (#<n><length><bytes>), got ${describeStart(buf)}.`,
    );
  }
  if (header.kind === 'indefinite') {
    let end = buf.length;
    if (end > 2 && buf[end - 1] === LF) end--;
    if (end - 2 > cap) {
      throw new ProtocolError(`The indefinite binary block is longer than the ${cap}-byte cap.`);
    }
    return buf.subarray(2, end);
  }
  const start = header.headerLength;
  const end = start + header.length;
  if (buf.length < end) {
    throw new ProtocolError(
      `The binary block header announced ${header.length} bytes but only ${buf.length - start} arrived.`,
    );
  }
  const trailing = buf.length - end;
  const terminatorOnly =
    trailing === 0 ||
    (trailing === 1 && buf[end] === LF) ||
    (trailing === 2 && buf[end] === CR && buf[end + 1] === LF);
  if (!terminatorOnly) {
    throw new ProtocolError(
      `The binary block header announced ${header.length} bytes but ${trailing} more bytes followed them; the length header is wrong.`,
    );
  }
  return buf.subarray(start, end);
}

function describeStart(buf: Buffer): string {
  if (buf.length === 0) return 'an empty reply';
  return JSON.stringify(buf.subarray(0, 24).toString('latin1'));
}

export type BinaryElementType = 'real32' | 'real64' | 'int16' | 'int32';
export type ByteOrder = 'big' | 'little';

export const ELEMENT_SIZE: Readonly<Record<BinaryElementType, number>> = {
  real32: 4,
  real64: 8,
  int16: 2,
  int32: 4,
};

const READ_ELEMENT: Readonly<
  Record<BinaryElementType, (view: DataView, offset: number, little: boolean) => number>
> = {
  real32: (v, o, little) => v.getFloat32(o, little),
  real64: (v, o, little) => v.getFloat64(o, little),
  int16: (v, o, little) => v.getInt16(o, little),
  int32: (v, o, little) => v.getInt32(o, little),
};

/** A block's bytes as numbers of `type`, in `order` (big = IEEE 488.2 "normal", little = "swapped"). */
export function decodeBinaryArray(data: Uint8Array, type: BinaryElementType, order: ByteOrder): number[] {
  const size = ELEMENT_SIZE[type];
  if (data.length % size !== 0) {
    throw new ProtocolError(
      `A block of ${type} values must be a multiple of ${size} bytes long; it has ${data.length} bytes. Check the instrument's data format (e.g. FORM:DATA).`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const little = order === 'little';
  const out = new Array<number>(data.length / size);
  const read = READ_ELEMENT[type];
  for (let i = 0, o = 0; o < data.length; i++, o += size) out[i] = read(view, o, little);
  return out;
}

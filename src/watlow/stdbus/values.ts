/**
 * Std Bus typed values: a one-byte tag, then a big-endian body whose layout the tag
 * fixes. Decoding is driven by the tag, never by what the caller expected, so a parameter of
 * unknown type can still be read and a wrong guess can never desynchronise the stream.
 */
import type { BigEndianNumber } from '../../core/big-endian';
import { BIG_ENDIAN } from '../../core/big-endian';
import { OutOfRangeError, ProtocolError } from '../../core/errors';
import type { TypedValue, WatlowDataType } from '../types';
import { hex } from '../types';

export const TAG = {
  u8: 0x01,
  u16: 0x03,
  u32: 0x05,
  s32: 0x06,
  float: 0x08,
  string: 0x09,
  enum: 0x0f,
} as const satisfies Record<WatlowDataType, number>;

const TYPE_OF_TAG = new Map<number, WatlowDataType>(
  (Object.entries(TAG) as [WatlowDataType, number][]).map(([type, tag]) => [tag, type]),
);

export function typeOfTag(tag: number): WatlowDataType | undefined {
  return TYPE_OF_TAG.get(tag);
}

type FixedType = 'u8' | 'u16' | 'u32' | 's32' | 'float';

/** The bodies of fixed width: the tag alone fixes their size and layout. */
const FIXED: Record<FixedType, BigEndianNumber> = {
  u8: BIG_ENDIAN.u8,
  u16: BIG_ENDIAN.u16,
  u32: BIG_ENDIAN.u32,
  s32: BIG_ENDIAN.i32,
  float: BIG_ENDIAN.f32,
};

function isFixed(type: WatlowDataType | undefined): type is FixedType {
  return type !== undefined && Object.hasOwn(FIXED, type);
}

function requireNumber(value: TypedValue): number {
  if (typeof value.value !== 'number' || !Number.isFinite(value.value)) {
    throw new OutOfRangeError(`A ${value.type} value must be a finite number, got ${String(value.value)}`);
  }
  return value.value;
}

function requireIntegerIn(value: TypedValue, min: number, max: number): number {
  const n = requireNumber(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new OutOfRangeError(`A ${value.type} value must be an integer in ${min}..${max}, got ${n}`);
  }
  return n;
}

/** Encodes tag + body. Throws OutOfRangeError on values the type cannot hold (callers validate first). */
export function encodeTypedValue(value: TypedValue): Buffer {
  if (isFixed(value.type)) {
    const codec = FIXED[value.type];
    const n = codec.range ? requireIntegerIn(value, ...codec.range) : requireNumber(value);
    const out = Buffer.alloc(1 + codec.bytes);
    out[0] = TAG[value.type];
    codec.write(out, n, 1);
    return out;
  }
  switch (value.type) {
    case 'string': {
      // Watlow counts a trailing NUL inside the length (captured part-number reply); we send it too.
      const text = Buffer.from(`${String(value.value)}\0`, 'latin1');
      if (text.length > 0xff) throw new OutOfRangeError(`A string value is limited to 254 characters`);
      return Buffer.concat([Buffer.from([TAG.string, text.length]), text]);
    }
    case 'enum': {
      // Every enumeration seen on the wire is one 16-bit word (`0F 01 hh ll`), even codes > 255.
      // Multi-word values were never captured; we would send most-significant word first as watlowlib
      // does [?], but the catalogue holds no such parameter, so only one word is ever sent.
      const code = requireIntegerIn(value, 0, 0xffffffff);
      if (code <= 0xffff) return Buffer.from([TAG.enum, 1, code >>> 8, code & 0xff]);
      return Buffer.from([
        TAG.enum,
        2,
        (code >>> 24) & 0xff,
        (code >>> 16) & 0xff,
        (code >>> 8) & 0xff,
        code & 0xff,
      ]);
    }
  }
}

/**
 * Decodes the typed value starting at `offset`. Returns the value and the bytes it used.
 * Throws ProtocolError on an unknown tag or a truncated body.
 */
export function decodeTypedValue(bytes: Uint8Array, offset: number): { value: TypedValue; length: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = buf[offset];
  if (tag === undefined) throw new ProtocolError('Std Bus reply ends before its value tag.');
  const type = typeOfTag(tag);
  const need = (n: number): void => {
    if (offset + 1 + n > buf.length) {
      throw new ProtocolError(
        `Std Bus ${type ?? 'value'} is truncated: needs ${n} bytes after tag, has ${buf.length - offset - 1}.`,
      );
    }
  };
  if (isFixed(type)) {
    const codec = FIXED[type];
    need(codec.bytes);
    return { value: { type, value: codec.read(buf, offset + 1) }, length: 1 + codec.bytes };
  }
  switch (type) {
    case 'string': {
      need(1);
      const length = buf[offset + 1]!;
      need(1 + length);
      const raw = buf.subarray(offset + 2, offset + 2 + length);
      // The NUL terminator may or may not be counted in the length; text ends at the first NUL.
      const nul = raw.indexOf(0);
      const text = raw.subarray(0, nul === -1 ? raw.length : nul).toString('latin1');
      return { value: { type, value: text }, length: 2 + length };
    }
    case 'enum': {
      need(1);
      const words = buf[offset + 1]!;
      need(1 + words * 2);
      if (words < 1 || words > 3) {
        // 1 word is all that was ever captured; 2..3 fold exactly into a JS number, MSW first [?].
        throw new ProtocolError(`Std Bus enumeration with ${words} words is not supported (expected 1).`);
      }
      let code = 0;
      for (let i = 0; i < words; i++) code = code * 0x10000 + buf.readUInt16BE(offset + 2 + i * 2);
      return { value: { type, value: code }, length: 2 + words * 2 };
    }
    default:
      throw new ProtocolError(
        `Std Bus value has unknown type tag 0x${tag.toString(16).padStart(2, '0')} (bytes ${hex(buf.subarray(offset))}).`,
      );
  }
}

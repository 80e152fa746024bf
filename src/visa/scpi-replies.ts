/**
 * Typed SCPI replies (pure): what the `scpi` node's `reply` setting turns a response message into.
 *
 *   auto     a number for one number, an array for a comma list of numbers, a Buffer for an
 *            IEEE 488.2 block, else the text
 *   number   exactly one number          numbers  a comma list of numbers
 *   string   the text (one quoted string is unquoted)
 *   block    the block's bytes (Buffer)  real32 / real64 / int16 / int32  the block as numbers
 *
 * A reply of another shape fails with ProtocolError (E_PROTOCOL) naming what came and what was
 * expected. Numbers are recognised by a hand-written scanner (no backtracking).
 */
import { ProtocolError } from '../core/errors';
import type { BinaryElementType, ByteOrder } from './blocks';
import { decodeBinaryArray, decodeBlock, startsWithBlock } from './blocks';
import { splitOutsideQuotes } from './scpi-format';

export type ReplyKind = 'auto' | 'number' | 'numbers' | 'string' | 'block' | BinaryElementType;

export const REPLY_KINDS: readonly ReplyKind[] = [
  'auto',
  'number',
  'numbers',
  'string',
  'block',
  'real32',
  'real64',
  'int16',
  'int32',
];

export type ScpiReplyValue = number | number[] | string | Buffer;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Parses SCPI numeric response data (NR1, NR2, NR3: `12`, `-1.5`, `+1.0E-03`, `.5`); undefined
 * for anything else. Surrounding blanks are ignored. 9.9E37 (overflow) stays a number.
 */
export function parseScpiNumber(text: string): number | undefined {
  const t = text.trim();
  let i = 0;
  if (t[i] === '+' || t[i] === '-') i++;
  const intStart = i;
  while (isDigit(t[i])) i++;
  let digits = i - intStart;
  if (t[i] === '.') {
    i++;
    const fracStart = i;
    while (isDigit(t[i])) i++;
    digits += i - fracStart;
  }
  if (digits === 0) return undefined;
  if (t[i] === 'e' || t[i] === 'E') {
    i++;
    if (t[i] === '+' || t[i] === '-') i++;
    const expStart = i;
    while (isDigit(t[i])) i++;
    if (i === expStart) return undefined;
  }
  if (i !== t.length) return undefined;
  const value = Number(t);
  return Number.isFinite(value) ? value : undefined;
}

/** A comma list of numbers, or undefined when any field is not a number. */
export function parseScpiNumberList(text: string): number[] | undefined {
  if (text.trim() === '') return undefined;
  const out: number[] = [];
  for (const field of text.split(',')) {
    const value = parseScpiNumber(field);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/** The text of a reply: latin1, trailing terminator (LF, CR LF) removed. */
export function replyText(message: Uint8Array): string {
  const buf = Buffer.isBuffer(message)
    ? message
    : Buffer.from(message.buffer, message.byteOffset, message.length);
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d)) end--;
  return buf.toString('latin1', 0, end);
}

/** `"text"` → `text` (doubled quotes undone); anything else unchanged. */
export function unquoteScpiString(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) {
    const pieces = splitOutsideQuotes(t, ',');
    if (pieces.length === 1)
      return t
        .slice(1, -1)
        .split(t[0] + t[0])
        .join(t[0]);
  }
  return text;
}

function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * One response message (as received, terminator included or not) parsed per `kind`. `query`
 * names the query in error messages.
 */
export function parseScpiReply(
  message: Uint8Array,
  kind: ReplyKind,
  options: { byteOrder?: ByteOrder; query?: string } = {},
): ScpiReplyValue {
  const order = options.byteOrder ?? 'big';
  const to = options.query === undefined ? '' : ` to ${options.query}`;
  switch (kind) {
    case 'block':
      return decodeBlock(message);
    case 'real32':
    case 'real64':
    case 'int16':
    case 'int32':
      return decodeBinaryArray(decodeBlock(message), kind, order);
    case 'auto': {
      if (startsWithBlock(message)) return decodeBlock(message);
      const text = replyText(message);
      const list = parseScpiNumberList(text);
      if (list !== undefined) return list.length === 1 ? list[0] : list;
      return text;
    }
    case 'number': {
      const text = replyText(message);
      const value = parseScpiNumber(text);
      if (value === undefined)
        throw new ProtocolError(`The instrument answered ${shown(text)}${to}; expected one number.`);
      return value;
    }
    case 'numbers': {
      const text = replyText(message);
      const list = parseScpiNumberList(text);
      if (list === undefined) {
        throw new ProtocolError(
          `The instrument answered ${shown(text)}${to}; expected a comma-separated list of numbers.`,
        );
      }
      return list;
    }
    case 'string':
      return unquoteScpiString(replyText(message));
  }
}

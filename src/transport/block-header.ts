/**
 * The header of an IEEE 488.2 arbitrary block response, as far as framing needs it (pure):
 *
 *   definite    `#<n><len><bytes>`  — n (1..9) decimal digits of length, then exactly len bytes
 *   indefinite  `#0<bytes>\n`        — bytes up to the final LF (sent with END)
 *
 * Stream framers use it to skip a definite block's bytes instead of taking an LF inside the data
 * for the terminator. Lives in the transport layer because framing is a transport's job; the
 * VISA layer decodes whole block messages on top (src/visa/blocks.ts).
 */

/**
 * Largest binary block the package reads (64 MiB). Bigger announcements are refused before
 * anything is buffered for them: a lying header must not make us allocate without bound.
 */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** Largest whole response a message-based transport (USBTMC, VXI-11, HiSLIP) accepts: a block plus slack. */
export const MAX_RESPONSE_BYTES = MAX_BLOCK_BYTES + 4096;

export type BlockHeaderProbe =
  /** Not enough bytes yet to tell. */
  | { kind: 'incomplete' }
  /** Not a block (no '#', '#' followed by a non-digit such as `#H1F`, or malformed digits). */
  | { kind: 'text' }
  | { kind: 'indefinite'; headerLength: 2 }
  | { kind: 'definite'; headerLength: number; length: number }
  /** A definite header announcing more than the cap. */
  | { kind: 'oversize'; length: number };

const HASH = 0x23;
const ZERO = 0x30;
const NINE = 0x39;

function isDigitByte(b: number | undefined): b is number {
  return b !== undefined && b >= ZERO && b <= NINE;
}

/** Classifies the bytes at `offset` of `bytes` (the start of a response message). */
export function probeBlockHeader(bytes: Uint8Array, offset = 0, cap = MAX_BLOCK_BYTES): BlockHeaderProbe {
  if (offset >= bytes.length) return { kind: 'incomplete' };
  if (bytes[offset] !== HASH) return { kind: 'text' };
  if (offset + 1 >= bytes.length) return { kind: 'incomplete' };
  const n = bytes[offset + 1];
  if (!isDigitByte(n)) return { kind: 'text' };
  if (n === ZERO) return { kind: 'indefinite', headerLength: 2 };
  const digits = n - ZERO;
  let length = 0;
  for (let i = 0; i < digits; i++) {
    const b = bytes[offset + 2 + i];
    if (b === undefined) return { kind: 'incomplete' };
    if (!isDigitByte(b)) return { kind: 'text' };
    length = length * 10 + (b - ZERO);
  }
  if (length > cap) return { kind: 'oversize', length };
  return { kind: 'definite', headerLength: 2 + digits, length };
}

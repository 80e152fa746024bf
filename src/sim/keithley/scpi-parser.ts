/**
 * The simulator's SCPI front end (pure): splitting a program message into commands, matching
 * headers against patterns with long/short forms and optional nodes, and reading parameters.
 *
 * Pattern syntax (ours, compact): nodes joined by ':'; `[NODE]` is optional; a mnemonic's upper-
 * case letters are its short form (`VOLTage` accepts VOLT and VOLTAGE, nothing in between, as
 * SCPI requires); a trailing `#` accepts an optional numeric suffix that must be 1 (`SOURce#`);
 * a trailing `<n>` captures an optional numeric suffix (`MODel<n>`). Common commands start with '*'.
 */
import { splitOutsideQuotes } from '../../visa/scpi-format';
import { ownEntry, parseDecimalText, splitUnitSuffix } from '../../core/validate';

export interface ParsedCommand {
  /** The command as received (trimmed), for the log. */
  text: string;
  /** Header tokens without leading ':' (`['SOUR1', 'VOLT']`), or the `*XXX` word alone. */
  tokens: string[];
  isQuery: boolean;
  /** Raw parameter texts, split at commas outside quotes; [] when none. */
  params: string[];
}

/** Splits at ';' outside quotes. Empty pieces (`;;`) are dropped. */
export function splitProgramMessage(message: string): string[] {
  return splitOutsideQuotes(message, ';', { dropEmpty: true });
}

function splitParams(text: string): string[] {
  if (text.trim() === '') return [];
  return splitOutsideQuotes(text, ',');
}

/** Parses one command; undefined when the header is not even well-formed (→ -102 syntax error). */
export function parseCommand(text: string): ParsedCommand | undefined {
  const m = /^(\*[A-Za-z]+\??|:?[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)*\??)(?:\s+(\S.*))?$/s.exec(
    text.trim(),
  );
  if (!m) return undefined;
  let header = m[1];
  const isQuery = header.endsWith('?');
  if (isQuery) header = header.slice(0, -1);
  const tokens = header.startsWith('*') ? [header.toUpperCase()] : header.replace(/^:/, '').split(':');
  return { text: text.trim(), tokens, isQuery, params: splitParams(m[2] ?? '') };
}

interface PatternNode {
  long: string;
  short: string;
  optional: boolean;
  suffix: 'none' | 'one' | 'capture';
}

export interface HeaderPattern {
  source: string;
  nodes: PatternNode[];
}

export function compilePattern(source: string): HeaderPattern {
  if (source.startsWith('*')) {
    return {
      source,
      nodes: [{ long: source.toUpperCase(), short: source.toUpperCase(), optional: false, suffix: 'none' }],
    };
  }
  const nodes = source
    .replace(/^:/, '')
    .split(':')
    .map((raw): PatternNode => {
      const optional = raw.startsWith('[') && raw.endsWith(']');
      let word = optional ? raw.slice(1, -1) : raw;
      let suffix: PatternNode['suffix'] = 'none';
      if (word.endsWith('<n>')) {
        suffix = 'capture';
        word = word.slice(0, -3);
      } else if (word.endsWith('#')) {
        suffix = 'one';
        word = word.slice(0, -1);
      }
      const short = word.replace(/[a-z]/g, '');
      return { long: word.toUpperCase(), short, optional, suffix };
    });
  return { source, nodes };
}

/** Numeric suffixes captured by `<n>` nodes, in order (undefined where the suffix was omitted). */
export type Captures = (number | undefined)[];

function matchToken(token: string, node: PatternNode): { ok: boolean; capture?: number } {
  if (token.startsWith('*')) return { ok: token.toUpperCase() === node.long };
  const m = /^([A-Za-z]+?)(\d*)$/.exec(token);
  if (!m) return { ok: false };
  const name = m[1].toUpperCase();
  const digits = m[2];
  if (name !== node.short && name !== node.long) return { ok: false };
  if (digits === '') return { ok: true };
  if (node.suffix === 'none') return { ok: false };
  const n = Number(digits);
  if (node.suffix === 'one') return { ok: n === 1 };
  return { ok: true, capture: n };
}

/** Matches header tokens against a pattern; returns the captures or undefined. */
export function matchHeader(tokens: readonly string[], pattern: HeaderPattern): Captures | undefined {
  const walk = (ti: number, ni: number, caps: Captures): Captures | undefined => {
    if (ni === pattern.nodes.length) return ti === tokens.length ? caps : undefined;
    const node = pattern.nodes[ni];
    if (ti < tokens.length) {
      const hit = matchToken(tokens[ti], node);
      if (hit.ok) {
        const next = node.suffix === 'capture' ? [...caps, hit.capture] : caps;
        const found = walk(ti + 1, ni + 1, next);
        if (found) return found;
      }
    }
    if (node.optional) return walk(ti, ni + 1, node.suffix === 'capture' ? [...caps, undefined] : caps);
    return undefined;
  };
  return walk(0, 0, []);
}

/** Why a parameter was refused, as a SCPI error code (-104, -109, -222, -224…). */
export class ScpiParamError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const UNIT_SCALE: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['M', 1e-3],
  ['U', 1e-6],
  ['K', 1e3],
]);

/**
 * A numeric parameter: decimal numbers with an optional unit (`5`, `5V`, `100mA`), MIN/MAX/DEF.
 * Out of [min, max] → -222 (what the 2281S reports for range errors).
 */
export function numericParam(
  raw: string | undefined,
  range: { min: number; max: number; def?: number },
  units: readonly string[] = [],
): number {
  if (raw === undefined || raw === '') throw new ScpiParamError(-109, 'Missing parameter');
  const text = raw.trim();
  const upper = text.toUpperCase();
  if (upper === 'MIN' || upper === 'MINIMUM') return range.min;
  if (upper === 'MAX' || upper === 'MAXIMUM') return range.max;
  if (upper === 'DEF' || upper === 'DEFAULT') return range.def ?? range.min;
  if (text.startsWith('"') || text.startsWith("'")) throw new ScpiParamError(-104, 'Data type error');
  const parts = splitUnitSuffix(text);
  const parsed = parts.unit.length > 8 ? undefined : parseDecimalText(parts.number);
  if (parsed === undefined) throw new ScpiParamError(-104, 'Data type error');
  let value = parsed;
  const unit = parts.unit.toUpperCase();
  if (unit !== '') {
    const base = units.find((u) => unit.endsWith(u.toUpperCase()));
    const prefix = base === undefined ? undefined : unit.slice(0, unit.length - base.length);
    const scale = prefix === undefined ? undefined : UNIT_SCALE.get(prefix);
    if (base === undefined || scale === undefined) {
      throw new ScpiParamError(-131, 'Invalid suffix');
    }
    value *= scale;
  }
  if (!Number.isFinite(value)) throw new ScpiParamError(-104, 'Data type error');
  if (value < range.min - 1e-12 || value > range.max + 1e-12)
    throw new ScpiParamError(-222, 'Data out of range');
  return value;
}

/** ON/OFF/1/0 (`extra` adds instrument-specific words, e.g. DISable → false). */
export function booleanParam(raw: string | undefined, extra: Record<string, boolean> = {}): boolean {
  if (raw === undefined || raw === '') throw new ScpiParamError(-109, 'Missing parameter');
  const upper = raw.trim().toUpperCase();
  if (upper === 'ON' || upper === '1') return true;
  if (upper === 'OFF' || upper === '0') return false;
  const word = ownEntry(extra, upper);
  if (word !== undefined) return word;
  if (upper.startsWith('"') || upper.startsWith("'")) throw new ScpiParamError(-104, 'Data type error');
  if (parseDecimalText(upper) !== undefined) throw new ScpiParamError(-222, 'Data out of range');
  throw new ScpiParamError(-224, 'Illegal parameter value');
}

/**
 * Character data matched against mnemonics in long/short form (`{ POWer: 'power' }` accepts POW
 * and POWER). Quoted strings are a data type error (-104): the 2281S rejects quoted tokens.
 */
export function choiceParam<T>(raw: string | undefined, choices: Record<string, T>): T {
  if (raw === undefined || raw === '') throw new ScpiParamError(-109, 'Missing parameter');
  const text = raw.trim();
  if (text.startsWith('"') || text.startsWith("'")) throw new ScpiParamError(-104, 'Data type error');
  const upper = text.toUpperCase();
  for (const [mnemonic, value] of Object.entries(choices)) {
    const short = mnemonic.replace(/[a-z]/g, '');
    if (upper === short || upper === mnemonic.toUpperCase()) return value;
  }
  throw new ScpiParamError(-224, 'Illegal parameter value');
}

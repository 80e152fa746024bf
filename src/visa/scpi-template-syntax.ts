/**
 * The vocabulary of SCPI command templates: the types the parser produces and the formatter
 * consumes, the limits, and the character classes of SCPI headers, tokens and placeholder names.
 * Like the rest of the template engine it has no imports and no Node APIs (see scpi-template.ts).
 */
export type PlaceholderType = 'number' | 'integer' | 'enum' | 'boolean' | 'string';

export const PLACEHOLDER_TYPES: readonly PlaceholderType[] = [
  'number',
  'integer',
  'enum',
  'boolean',
  'string',
];

export interface PlaceholderDef {
  name: string;
  type: PlaceholderType;
  /** number / integer only: inclusive bounds. */
  min?: number;
  max?: number;
  /** enum only: the constant tokens a value may be (`[A-Za-z][A-Za-z0-9_]*`). */
  values?: readonly string[];
}

/** A piece of a template line: constant text, or a placeholder's name. */
export type TemplatePart = { text: string } | { placeholder: string };

export interface TemplateLine {
  /** The line as written (trimmed). */
  source: string;
  /** The program header (`:SOUR:VOLT`, `*IDN?`). */
  header: string;
  /** True when the header ends in `?`: the instrument answers this line. */
  isQuery: boolean;
  parts: readonly TemplatePart[];
}

export interface ScpiTemplate {
  lines: readonly TemplateLine[];
  /** Definitions of the placeholders the template uses, in order of first use. */
  placeholders: readonly PlaceholderDef[];
}

export type TemplateResult = { ok: true; template: ScpiTemplate } | { ok: false; problems: string[] };
export type FormatResult = { ok: true; lines: string[] } | { ok: false; problem: string };

/** Longest program message we send (the 2281S takes about 2048 characters; most take more). */
export const MAX_COMMAND_LENGTH = 2048;
/** Most lines one template may hold (one transaction; keep it bounded). */
export const MAX_TEMPLATE_LINES = 64;

export function isLetter(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
export function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
export function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/** `[A-Za-z][A-Za-z0-9_]*`: SCPI character data a user may choose from a list. */
export function isEnumToken(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 || !isLetter(value[0]))
    return false;
  for (const c of value) if (!(isLetter(c) || isDigit(c) || c === '_')) return false;
  return true;
}

/** A placeholder name: `[A-Za-z_][A-Za-z0-9_]*`. */
export function isPlaceholderName(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  if (!(isLetter(value[0]) || value[0] === '_')) return false;
  for (const c of value) if (!(isLetter(c) || isDigit(c) || c === '_')) return false;
  return true;
}

/**
 * A program header: optional ':' or '*', mnemonics of letters and digits joined by ':', optional
 * '?'. Returns its length in `line`, or 0 when the line does not start with one.
 */
export function headerLength(line: string): number {
  let i = 0;
  if (line[i] === ':' || line[i] === '*') i++;
  for (;;) {
    if (!isLetter(line[i] ?? '')) return 0;
    while (i < line.length && (isLetter(line[i]) || isDigit(line[i]))) i++;
    if (line[i] !== ':') break;
    i++;
  }
  if (line[i] === '?') i++;
  return i;
}

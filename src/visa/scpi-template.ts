/**
 * SCPI command templates as the `scpi` node's editor writes them: one command per line, typed
 * placeholders such as `:SOUR:VOLT {voltage}`. Values are formatted into the command (never
 * spliced): each placeholder's type decides the one spelling a value may take on the wire.
 *
 * This module is deliberately self-contained — no imports, no Node APIs, no classes of the
 * package's error hierarchy — so the very same compiled file validates in the browser (the editor
 * dialog) and at run time. Problems are returned as plain messages; the runtime wraps them in
 * coded errors (scpi-program.ts).
 *
 * Scanning is by hand, character by character: nothing here can backtrack.
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

function isLetter(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isPrintableAscii(code: number): boolean {
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
function headerLength(line: string): number {
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

/** Splits the parameter text of one line into constant text and placeholders. */
function scanParameters(rest: string, lineNo: number, problems: string[]): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '"' || c === "'") {
      // A constant quoted string: copied verbatim up to its closing quote (doubled quotes inside).
      let j = i + 1;
      for (; j < rest.length; j++) {
        if (rest[j] === c) {
          if (rest[j + 1] === c) j++;
          else break;
        }
      }
      if (j >= rest.length) {
        problems.push(`Line ${lineNo}: a quoted string is not closed.`);
        return parts;
      }
      text += rest.slice(i, j + 1);
      i = j;
    } else if (c === '{') {
      const close = rest.indexOf('}', i + 1);
      const name = close < 0 ? '' : rest.slice(i + 1, close).trim();
      if (close < 0 || !isPlaceholderName(name)) {
        problems.push(
          `Line ${lineNo}: "{" must start a placeholder such as {voltage} (a name of letters, digits and "_").`,
        );
        return parts;
      }
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ placeholder: name });
      i = close;
    } else if (c === '}') {
      problems.push(`Line ${lineNo}: "}" without a matching "{".`);
      return parts;
    } else if (c === '?') {
      problems.push(
        `Line ${lineNo}: "?" belongs at the end of the header (e.g. MEAS:VOLT? 10), not among the parameters.`,
      );
      return parts;
    } else if (c === ';') {
      problems.push(`Line ${lineNo}: write one command per line instead of joining them with ";".`);
      return parts;
    } else {
      text += c;
    }
  }
  if (text !== '') parts.push({ text });
  return parts;
}

function parseLine(source: string, lineNo: number, problems: string[]): TemplateLine | undefined {
  for (let i = 0; i < source.length; i++) {
    if (!isPrintableAscii(source.charCodeAt(i))) {
      problems.push(
        `Line ${lineNo}: only printable ASCII characters are allowed (found code ${source.charCodeAt(i)}).`,
      );
      return undefined;
    }
  }
  const length = headerLength(source);
  const next = source[length];
  if (length === 0 || (next !== undefined && next !== ' ' && next !== '\t')) {
    problems.push(
      `Line ${lineNo}: "${source.slice(0, 40)}" does not start with a SCPI command header such as :SOUR:VOLT or *IDN? (placeholders go in the parameters, after a space).`,
    );
    return undefined;
  }
  const header = source.slice(0, length);
  const before = problems.length;
  const parts = scanParameters(source.slice(length), lineNo, problems);
  if (problems.length > before) return undefined;
  return { source, header, isQuery: header.endsWith('?'), parts: [{ text: header }, ...parts] };
}

function checkBound(
  def: Record<string, unknown>,
  key: 'min' | 'max',
  where: string,
  problems: string[],
): void {
  const v = def[key];
  if (v === undefined || v === null || v === '') return;
  if (typeof v !== 'number' || !Number.isFinite(v))
    problems.push(`${where}: ${key} must be a finite number.`);
  else if (def.type === 'integer' && !Number.isSafeInteger(v))
    problems.push(`${where}: ${key} must be an integer.`);
}

/** Checks one placeholder definition; returns it normalised, or undefined with problems added. */
function checkDef(raw: unknown, index: number, problems: string[]): PlaceholderDef | undefined {
  const where = `Placeholder ${index + 1}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`${where} must be an object { name, type }.`);
    return undefined;
  }
  const def = raw as Record<string, unknown>;
  const before = problems.length;
  if (!isPlaceholderName(def.name)) {
    problems.push(`${where}: the name must be letters, digits and "_" (not starting with a digit).`);
    return undefined;
  }
  const named = `Placeholder {${def.name}}`;
  if (typeof def.type !== 'string' || !(PLACEHOLDER_TYPES as readonly string[]).includes(def.type)) {
    problems.push(`${named}: type must be one of ${PLACEHOLDER_TYPES.join(', ')}.`);
    return undefined;
  }
  const type = def.type as PlaceholderType;
  const numeric = type === 'number' || type === 'integer';
  const hasBound = (k: 'min' | 'max'): boolean => def[k] !== undefined && def[k] !== null && def[k] !== '';
  if (numeric) {
    checkBound(def, 'min', named, problems);
    checkBound(def, 'max', named, problems);
    if (
      problems.length === before &&
      hasBound('min') &&
      hasBound('max') &&
      (def.min as number) > (def.max as number)
    ) {
      problems.push(`${named}: min (${String(def.min)}) is greater than max (${String(def.max)}).`);
    }
  } else if (hasBound('min') || hasBound('max')) {
    problems.push(`${named}: min and max apply only to number and integer placeholders.`);
  }
  const hasValues = Array.isArray(def.values)
    ? def.values.length > 0
    : def.values !== undefined && def.values !== null;
  if (type === 'enum') {
    const values = def.values;
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(`${named}: an enum needs a list of values.`);
    } else {
      const seen = new Set<string>();
      for (const v of values) {
        if (!isEnumToken(v)) {
          problems.push(
            `${named}: enum value ${JSON.stringify(v)} is not a SCPI token (a letter, then letters, digits or "_").`,
          );
        } else if (seen.has(v.toUpperCase())) {
          problems.push(`${named}: enum value ${v} is listed twice.`);
        } else {
          seen.add(v.toUpperCase());
        }
      }
    }
  } else if (hasValues) {
    problems.push(`${named}: values apply only to enum placeholders.`);
  }
  if (problems.length > before) return undefined;
  const out: PlaceholderDef = { name: def.name, type };
  if (numeric && hasBound('min')) out.min = def.min as number;
  if (numeric && hasBound('max')) out.max = def.max as number;
  if (type === 'enum') out.values = [...(def.values as string[])];
  return out;
}

/**
 * Parses and validates a template and its placeholder definitions together: every placeholder
 * used must be defined exactly once, every definition must be used. Returns every problem found
 * (the editor lists them all), or the template.
 */
export function parseScpiTemplate(command: unknown, placeholders: unknown = []): TemplateResult {
  const problems: string[] = [];
  if (typeof command !== 'string' || command.trim() === '') {
    return { ok: false, problems: ['The command template is empty: write at least one SCPI command.'] };
  }
  const sources = command
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (sources.length > MAX_TEMPLATE_LINES) {
    problems.push(`The template has ${sources.length} lines; at most ${MAX_TEMPLATE_LINES}.`);
  }
  const lines: TemplateLine[] = [];
  sources.slice(0, MAX_TEMPLATE_LINES).forEach((source, i) => {
    const line = parseLine(source, i + 1, problems);
    if (line) lines.push(line);
  });
  const defs = new Map<string, PlaceholderDef>();
  if (!Array.isArray(placeholders)) {
    problems.push('Placeholders must be a list of { name, type }.');
  } else {
    placeholders.forEach((raw, i) => {
      const def = checkDef(raw, i, problems);
      if (!def) return;
      if (defs.has(def.name)) problems.push(`Placeholder {${def.name}} is defined twice.`);
      else defs.set(def.name, def);
    });
  }
  const used: PlaceholderDef[] = [];
  const usedNames = new Set<string>();
  for (const line of lines) {
    for (const part of line.parts) {
      if (!('placeholder' in part) || usedNames.has(part.placeholder)) continue;
      usedNames.add(part.placeholder);
      const def = defs.get(part.placeholder);
      if (def) used.push(def);
      else if (Array.isArray(placeholders))
        problems.push(
          `{${part.placeholder}} is used in the template but has no definition (add a placeholder row).`,
        );
    }
  }
  for (const name of defs.keys()) {
    if (!usedNames.has(name)) problems.push(`Placeholder {${name}} is defined but not used in the template.`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, template: { lines, placeholders: used } };
}

/** A number in SCPI NR3 (`-1.5E-3`, `5.0E+0`): always a decimal point and an exponent. */
export function formatNR3(value: number): string {
  if (value === 0) return '0.0E+0';
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent}`;
}

/** A SCPI quoted string, or a problem: printable ASCII only, embedded `"` doubled. */
export function formatScpiString(value: string, what: string): string | { problem: string } {
  if (value.length > MAX_COMMAND_LENGTH)
    return { problem: `${what} is longer than ${MAX_COMMAND_LENGTH} characters.` };
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isPrintableAscii(code)) {
      return {
        problem: `${what} contains ${code < 0x20 || code === 0x7f ? 'a control character' : 'a non-ASCII character'} (code ${code}) at position ${i + 1}; only printable ASCII can be sent.`,
      };
    }
  }
  return `"${value.split('"').join('""')}"`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Formats one value for its placeholder, or says why it cannot be sent. */
export function formatPlaceholderValue(def: PlaceholderDef, value: unknown): string | { problem: string } {
  const what = `{${def.name}}`;
  switch (def.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { problem: `${what} must be a finite number, got ${describe(value)}.` };
      }
      if (def.type === 'integer' && !Number.isSafeInteger(value)) {
        return { problem: `${what} must be an integer, got ${value}.` };
      }
      if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) {
        return {
          problem: `${what} = ${value} is out of range ${def.min ?? '-∞'} … ${def.max ?? '+∞'}.`,
        };
      }
      return def.type === 'integer' ? String(value === 0 ? 0 : value) : formatNR3(value);
    }
    case 'boolean':
      if (typeof value !== 'boolean')
        return { problem: `${what} must be true or false, got ${describe(value)}.` };
      return value ? 'ON' : 'OFF';
    case 'enum': {
      const values = def.values ?? [];
      const hit =
        typeof value === 'string' ? values.find((v) => v.toUpperCase() === value.toUpperCase()) : undefined;
      if (hit === undefined)
        return { problem: `${what} must be one of ${values.join(', ')}, got ${describe(value)}.` };
      return hit;
    }
    case 'string':
      if (typeof value !== 'string') return { problem: `${what} must be a string, got ${describe(value)}.` };
      return formatScpiString(value, what);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/**
 * The template's lines with every placeholder formatted from `input`: an object keyed by
 * placeholder name, or a scalar when the template has exactly one placeholder. Nothing is sent
 * here; a problem means nothing may be sent.
 */
export function formatScpiTemplate(template: ScpiTemplate, input: unknown): FormatResult {
  const defs = template.placeholders;
  const values = new Map<string, unknown>();
  if (defs.length === 1 && !isPlainObject(input)) {
    values.set(defs[0].name, input);
  } else if (defs.length > 0) {
    if (!isPlainObject(input)) {
      return {
        ok: false,
        problem: `The payload must be an object with ${defs.map((d) => d.name).join(', ')}, got ${describe(input)}.`,
      };
    }
    const known = new Set(defs.map((d) => d.name));
    const unknown = Object.keys(input).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      return {
        ok: false,
        problem: `The payload has ${unknown.map((k) => JSON.stringify(k)).join(', ')}, which the template does not use; it uses ${[...known].join(', ')}.`,
      };
    }
    for (const def of defs) {
      if (!(def.name in input)) return { ok: false, problem: `The payload has no value for {${def.name}}.` };
      values.set(def.name, input[def.name]);
    }
  }
  const formatted = new Map<string, string>();
  for (const def of defs) {
    const text = formatPlaceholderValue(def, values.get(def.name));
    if (typeof text !== 'string') return { ok: false, problem: text.problem };
    formatted.set(def.name, text);
  }
  const lines: string[] = [];
  for (const line of template.lines) {
    const text = line.parts
      .map((p) => ('text' in p ? p.text : (formatted.get(p.placeholder) ?? '')))
      .join('');
    if (text.length > MAX_COMMAND_LENGTH) {
      return {
        ok: false,
        problem: `${line.header} would be ${text.length} characters long; at most ${MAX_COMMAND_LENGTH}.`,
      };
    }
    lines.push(text);
  }
  return { ok: true, lines };
}

/**
 * Checks a raw command (`msg.command` with allowRaw): one line of printable ASCII, no CR/LF.
 * Returns the trimmed command and whether it is a query ('?' outside quoted strings).
 */
export function checkRawCommand(
  command: unknown,
): { ok: true; command: string; isQuery: boolean } | { ok: false; problem: string } {
  if (typeof command !== 'string' || command.trim() === '') {
    return { ok: false, problem: 'msg.command must be a non-empty string holding one SCPI command.' };
  }
  // Checked before trimming: a trailing CR or LF is as much a second line as one in the middle.
  if (command.includes('\n') || command.includes('\r')) {
    return { ok: false, problem: 'msg.command contains a line break (CR/LF); send one command line only.' };
  }
  const text = command.trim();
  if (text.length > MAX_COMMAND_LENGTH) {
    return {
      ok: false,
      problem: `msg.command is ${text.length} characters long; at most ${MAX_COMMAND_LENGTH}.`,
    };
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isPrintableAscii(code)) {
      return {
        ok: false,
        problem: `msg.command contains a non-printable character (code ${code}) at position ${i + 1}.`,
      };
    }
  }
  let quote = '';
  let isQuery = false;
  for (const c of text) {
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '?') isQuery = true;
  }
  if (quote !== '') return { ok: false, problem: 'msg.command has a quoted string that is not closed.' };
  return { ok: true, command: text, isQuery };
}

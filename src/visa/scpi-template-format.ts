/**
 * Formatting values into a parsed SCPI template, and checking a raw command line: each
 * placeholder's type decides the one spelling a value may take on the wire; problems are plain
 * messages (see scpi-template.ts for why the engine throws nothing of its own).
 */
import { MAX_COMMAND_LENGTH, isPrintableAscii } from './scpi-template-syntax';
import type { FormatResult, PlaceholderDef, ScpiTemplate } from './scpi-template-syntax';

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

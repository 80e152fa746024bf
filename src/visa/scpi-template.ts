/**
 * SCPI command templates as the `scpi` node's editor writes them: one command per line, typed
 * placeholders such as `:SOUR:VOLT {voltage}`. Values are formatted into the command (never
 * spliced): each placeholder's type decides the one spelling a value may take on the wire.
 *
 * The engine (this parser, scpi-template-syntax.ts and scpi-template-format.ts) uses no Node APIs
 * and no classes of the package's error hierarchy, so the very same code validates in the browser
 * (the editor dialog gets it in the bundled rules, `LabbenchRules.scpiTemplate`; see src/config)
 * and at run time. Problems are returned as plain messages; the runtime wraps them in coded
 * errors (scpi-program.ts).
 *
 * Scanning is by hand, character by character: nothing here can backtrack.
 */
import {
  MAX_TEMPLATE_LINES,
  PLACEHOLDER_TYPES,
  headerLength,
  isEnumToken,
  isPlaceholderName,
  isPrintableAscii,
} from './scpi-template-syntax';
import type {
  PlaceholderDef,
  PlaceholderType,
  TemplateLine,
  TemplatePart,
  TemplateResult,
} from './scpi-template-syntax';

export {
  MAX_COMMAND_LENGTH,
  MAX_TEMPLATE_LINES,
  PLACEHOLDER_TYPES,
  isEnumToken,
  isPlaceholderName,
} from './scpi-template-syntax';
export type {
  FormatResult,
  PlaceholderDef,
  PlaceholderType,
  ScpiTemplate,
  TemplateLine,
  TemplatePart,
  TemplateResult,
} from './scpi-template-syntax';
export {
  checkRawCommand,
  formatNR3,
  formatPlaceholderValue,
  formatScpiString,
  formatScpiTemplate,
} from './scpi-template-format';

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

/**
 * The placeholder names a template uses, in order of first use, whatever else is wrong with it:
 * what the editor's placeholder rows mirror while the user types.
 */
export function templatePlaceholderNames(command: unknown): string[] {
  if (typeof command !== 'string') return [];
  const names: string[] = [];
  const ignored: string[] = [];
  command
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, MAX_TEMPLATE_LINES)
    .forEach((source, i) => {
      // The placeholders before a problem in the line count too: the rows must not vanish
      // while the user is still typing the rest of it.
      const length = headerLength(source);
      if (length === 0) return;
      for (const part of scanParameters(source.slice(length), i + 1, ignored)) {
        if ('placeholder' in part && !names.includes(part.placeholder)) names.push(part.placeholder);
      }
    });
  return names;
}

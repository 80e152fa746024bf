/**
 * Pure SCPI text helpers: building parameterised commands safely, parsing `:SYST:ERR?` replies,
 * and turning instrument error codes into messages a lab engineer can act on.
 */
import { DeviceError, InvalidInputError } from '../core/errors';
import { requireSafeText } from '../core/validate';
import type { ScpiErrorEntry, ScpiParam } from './types';

// A program header: optional leading ':' or '*', mnemonics (with numeric suffixes) joined by ':',
// optional '?'. Headers come from driver code, not users, but checking them costs nothing and
// stops a mistaken concatenation from ever reaching the wire.
const HEADER = /^[:*]?[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)*\??$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_]*$/;
// eslint-disable-next-line no-control-regex
const LINE_BREAK_OR_CONTROL = /[\r\n\u0000-\u0008\u000b-\u001f\u007f]/;

/** Longest program message the 2281S accepts (reference manual 7-30: about 2048 characters). */
export const MAX_PROGRAM_MESSAGE = 2048;

/** A number as SCPI decimal numeric data; `String()` output (1e-7, 1e+21) is valid SCPI. */
export function formatScpiNumber(value: number, name = 'value'): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(`${name} must be a finite number, got ${String(value)}.`);
  }
  return Object.is(value, -0) ? '0' : String(value);
}

function formatParam(param: ScpiParam, name: string): string {
  if (typeof param === 'number') return formatScpiNumber(param, name);
  if (typeof param === 'boolean') return param ? 'ON' : 'OFF';
  if (param !== null && typeof param === 'object') {
    if ('token' in param) {
      if (typeof param.token !== 'string' || !TOKEN.test(param.token)) {
        throw new InvalidInputError(
          `${name} must be a SCPI word (letters, digits and "_"), got ${JSON.stringify(param.token)}.`,
        );
      }
      return param.token;
    }
    if ('text' in param) {
      const text = requireSafeText(param.text, name, { allowEmpty: true, maxLength: MAX_PROGRAM_MESSAGE });
      return `"${text.replace(/"/g, '""')}"`;
    }
  }
  throw new InvalidInputError(`${name} must be a number, a boolean, { token } or { text }.`);
}

/**
 * `header` followed by its parameters: `formatScpiCommand(':VOLT', [5])` → `:VOLT 5`. Refuses
 * (InvalidInputError) anything that could split the message: ';', line breaks, control characters,
 * unbalanced quotes, non-finite numbers. Nothing is sent by this function; callers validate first,
 * then write, so bad input never reaches the instrument.
 */
export function formatScpiCommand(header: string, params: readonly ScpiParam[] = []): string {
  if (typeof header !== 'string' || !HEADER.test(header)) {
    throw new InvalidInputError(`SCPI header ${JSON.stringify(header)} is not a valid command header.`);
  }
  const args = params.map((p, i) => formatParam(p, `parameter ${i + 1} of ${header}`));
  const text = args.length === 0 ? header : `${header} ${args.join(',')}`;
  if (text.length > MAX_PROGRAM_MESSAGE) {
    throw new InvalidInputError(
      `Command ${header} is ${text.length} characters long; the instrument takes at most ${MAX_PROGRAM_MESSAGE}.`,
    );
  }
  return text;
}

/**
 * Checks a complete command string given to `write`/`query`: it must be one message (no line
 * breaks or control characters), so exactly one reply belongs to each query. ';' is allowed here
 * because driver code may compound constant commands on purpose; user values go through
 * `formatScpiCommand`, which refuses it.
 */
export function requireProgramMessage(command: string, what: string): string {
  if (typeof command !== 'string' || command.trim() === '') {
    throw new InvalidInputError(`${what} must be a non-empty SCPI command.`);
  }
  if (LINE_BREAK_OR_CONTROL.test(command)) {
    throw new InvalidInputError(
      `${what} ${JSON.stringify(command)} contains a line break or control character.`,
    );
  }
  if (command.length > MAX_PROGRAM_MESSAGE) {
    throw new InvalidInputError(
      `${what} is ${command.length} characters long; at most ${MAX_PROGRAM_MESSAGE}.`,
    );
  }
  return command;
}

/** True when the program message holds a query ('?' outside quoted string data). */
export function isScpiQuery(command: string): boolean {
  return command.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'/g, '').includes('?');
}

/** Parses one `:SYST:ERR?` reply (`-222,"Data out of range"`); undefined when it is not one. */
export function parseScpiError(reply: string): ScpiErrorEntry | undefined {
  // Split at the first comma by hand: white space around `.*?` made the pattern backtrack.
  const comma = reply.indexOf(',');
  const codeText = (comma < 0 ? reply : reply.slice(0, comma)).trim();
  if (codeText.length > 12 || !/^[-+]?\d+$/.test(codeText)) return undefined;
  let message = comma < 0 ? '' : reply.slice(comma + 1).trim();
  if (message.length >= 2 && message.startsWith('"') && message.endsWith('"'))
    message = message.slice(1, -1).replace(/""/g, '"');
  return { code: parseInt(codeText, 10), message };
}

/** What to do about the error codes a lab engineer meets on the 2281S and other SCPI instruments. */
export function scpiErrorHint(code: number): string {
  switch (code) {
    case -102:
      return 'a value is spelled in a form the instrument does not accept (e.g. a model name with "-" instead of "_")';
    case -113:
      return 'the instrument does not know this command; check the model and firmware (FW 01.08b of the 2281S needs some commands spelled in full)';
    case -200:
      return 'the instrument could not carry the command out in its present state';
    case -221:
      return 'the setting conflicts with another setting; change the other one first';
    case -222:
      return "the value is outside what the instrument accepts (or it was rounded); check the instrument's ranges and read the value back";
    case -350:
      return 'the error queue overflowed; older errors were lost';
    case -410:
      return 'a query was interrupted: another program or session talked to the instrument; make sure only one program uses it';
    case -420:
      return 'the instrument was asked for a reply that no query requested';
    case 700:
      return 'the command is not permitted in the present entry function (power supply vs battery simulator); switch the function first';
    case 703:
      return 'the full-battery voltage is below the empty-battery voltage';
    case 704:
      return 'the setting cannot change while the battery model runs; turn the output off, write it, then turn the output back on';
    default:
      if (code <= -100 && code > -200) return 'the command was malformed';
      if (code <= -200 && code > -300) return 'the instrument could not execute the command';
      if (code <= -300 && code > -400)
        return 'the instrument reports an internal fault; check its front panel';
      return "see the error list in the instrument's manual";
  }
}

/**
 * One DeviceError for what the error queue held after `context`. `deviceCode` is the first
 * code (the one that caused the others, as SCPI queues are FIFO); `scpiErrors` keeps them all.
 */
export function scpiDeviceError(
  entries: readonly ScpiErrorEntry[],
  context: string,
  resource: string,
  cause?: unknown,
): DeviceError & { scpiErrors: readonly ScpiErrorEntry[] } {
  const [first, ...rest] = entries;
  const more = rest.length > 0 ? ` (then ${rest.map((e) => `${e.code},"${e.message}"`).join('; ')})` : '';
  const err = new DeviceError(
    `Instrument ${resource} refused ${context}: error ${first.code},"${first.message}"${more}. ${capitalise(scpiErrorHint(first.code))}.`,
    { resource, deviceCode: first.code, cause },
  ) as DeviceError & { scpiErrors: readonly ScpiErrorEntry[] };
  err.scpiErrors = entries;
  return err;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Splits SCPI text at `separator` (`;` between program message units, `,` between parameters or
 * reply fields), ignoring separators inside single- or double-quoted strings. Pieces are trimmed;
 * with `dropEmpty`, empty pieces (`;;`) are left out.
 */
export function splitOutsideQuotes(
  text: string,
  separator: ',' | ';',
  options: { dropEmpty?: boolean } = {},
): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  const push = (): void => {
    const piece = current.trim();
    if (!(options.dropEmpty && piece === '')) out.push(piece);
    current = '';
  };
  for (const ch of text) {
    if (quote !== undefined) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === separator) {
      push();
    } else {
      current += ch;
    }
  }
  push();
  return out;
}

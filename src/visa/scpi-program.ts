/**
 * Free-form SCPI on the shared session: a program of command lines (from a template or one raw
 * command) run in order as ONE registry transaction, so nothing of another node's interleaves
 * with its commands, its `*OPC?` or its error check.
 *
 * Order inside the transaction: the lines in order (commands written without a per-command error
 * read, queries answered and parsed), then `*OPC?` when asked, then the error queue read until
 * empty when asked (default). A non-empty queue fails the whole program with E_DEVICE_ERROR
 * (deviceCode = the first code, every entry's text in the message and `scpiErrors`).
 *
 * A free-form command may change anything in the instrument, so every program marks the
 * session's state unknown (`ScpiSession.markStateUnknown`): drivers that cache instrument state
 * (the 2281S entry function) read it again before their next command.
 */
import { InvalidInputError, ProtocolError } from '../core/errors';
import type { Lease } from '../core/registry';
import type { ByteOrder } from './blocks';
import { scpiDeviceError } from './scpi-format';
import type { ReplyKind, ScpiReplyValue } from './scpi-replies';
import { REPLY_KINDS, parseScpiReply } from './scpi-replies';
import type { ScpiTemplate } from './scpi-template';
import { checkRawCommand, formatScpiTemplate, parseScpiTemplate } from './scpi-template';
import type { ScpiSession } from './session';

export interface ScpiProgramLine {
  command: string;
  isQuery: boolean;
}

export interface ScpiProgram {
  lines: readonly ScpiProgramLine[];
  /** How the LAST query's reply is parsed (default auto); earlier queries are parsed `auto`. */
  reply?: ReplyKind;
  /** Byte order of binary-block arrays (default big, IEEE 488.2 "normal"). */
  byteOrder?: ByteOrder;
  /** Wait for `*OPC?` after the lines (default false). */
  opc?: boolean;
  /** Read the error queue after the lines and fail on entries (default true). */
  checkErrors?: boolean;
  /** Reply timeout per query, ms (default: the session's). */
  timeoutMs?: number;
}

export interface ScpiProgramResult {
  /** Every query's parsed reply, in order. */
  replies: ScpiReplyValue[];
  /** The last query's reply; null when the program had no query. */
  last: ScpiReplyValue | null;
}

/** `parseScpiTemplate` for the runtime: every problem in one InvalidInputError. */
export function compileScpiTemplate(command: unknown, placeholders: unknown = []): ScpiTemplate {
  const result = parseScpiTemplate(command, placeholders);
  if (!result.ok) throw new InvalidInputError(`The SCPI template is not valid: ${result.problems.join(' ')}`);
  return result.template;
}

/** The lines of `template` with `input` formatted in; InvalidInputError when a value is refused. */
export function scpiProgramLines(template: ScpiTemplate, input: unknown): ScpiProgramLine[] {
  const result = formatScpiTemplate(template, input);
  if (!result.ok) throw new InvalidInputError(result.problem);
  return result.lines.map((command, i) => ({ command, isQuery: template.lines[i].isQuery }));
}

/** One raw command line (`msg.command` with allowRaw); InvalidInputError when it is refused. */
export function rawScpiProgramLine(command: unknown): ScpiProgramLine {
  const result = checkRawCommand(command);
  if (!result.ok) throw new InvalidInputError(result.problem);
  return { command: result.command, isQuery: result.isQuery };
}

/** Checks the options of a program; InvalidInputError names the bad one. */
export function validateScpiProgram(program: ScpiProgram): void {
  if (!Array.isArray(program.lines) || program.lines.length === 0) {
    throw new InvalidInputError('A SCPI program needs at least one command line.');
  }
  if (program.reply !== undefined && !REPLY_KINDS.includes(program.reply)) {
    throw new InvalidInputError(
      `reply must be one of ${REPLY_KINDS.join(', ')}, got ${JSON.stringify(program.reply)}.`,
    );
  }
  if (program.byteOrder !== undefined && program.byteOrder !== 'big' && program.byteOrder !== 'little') {
    throw new InvalidInputError(`byteOrder must be big or little, got ${JSON.stringify(program.byteOrder)}.`);
  }
  const t = program.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0)) {
    throw new InvalidInputError(`timeout must be a positive number of ms, got ${JSON.stringify(t)}.`);
  }
}

function describeLines(lines: readonly ScpiProgramLine[]): string {
  const text = lines.map((l) => l.command).join('; ');
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}

/**
 * Runs `program` on `session` inside a transaction the caller already holds (`signal` is the
 * transaction's). Marks the session's state unknown once anything may have reached the wire.
 */
export async function executeScpiProgram(
  session: ScpiSession,
  program: ScpiProgram,
  signal?: AbortSignal,
): Promise<ScpiProgramResult> {
  validateScpiProgram(program);
  const call = { signal, timeoutMs: program.timeoutMs };
  const lastQuery = program.lines.reduce((last, line, i) => (line.isQuery ? i : last), -1);
  const replies: ScpiReplyValue[] = [];
  try {
    for (const [i, line] of program.lines.entries()) {
      if (!line.isQuery) {
        await session.write(line.command, { ...call, check: false });
        continue;
      }
      const message = await session.queryBytes(line.command, call);
      replies.push(
        parseScpiReply(message, i === lastQuery ? (program.reply ?? 'auto') : 'auto', {
          byteOrder: program.byteOrder,
          query: line.command,
        }),
      );
    }
    if (program.opc === true) {
      const done = (await session.query('*OPC?', call)).trim();
      if (done !== '1' && done !== '+1') {
        throw new ProtocolError(`${session.label} answered ${JSON.stringify(done)} to *OPC?; expected 1.`, {
          resource: session.label,
        });
      }
    }
    if (program.checkErrors !== false) {
      const errors = await session.readErrorQueue(call);
      if (errors.length > 0) throw scpiDeviceError(errors, describeLines(program.lines), session.label);
    }
  } finally {
    session.markStateUnknown();
  }
  return { replies, last: lastQuery < 0 ? null : replies[replies.length - 1] };
}

/**
 * Runs `program` as one transaction on the shared session behind `lease` (FIFO with every other
 * user of the instrument). Validates before queueing: a bad program sends nothing.
 */
export function runScpiProgram(
  lease: Lease<ScpiSession>,
  program: ScpiProgram,
  options: { label?: string; transactionTimeoutMs?: number } = {},
): Promise<ScpiProgramResult> {
  try {
    validateScpiProgram(program);
  } catch (err) {
    return Promise.reject(err);
  }
  return lease.transact((session, signal) => executeScpiProgram(session, program, signal), {
    label: options.label ?? `scpi ${describeLines(program.lines)}`,
    timeoutMs: options.transactionTimeoutMs,
  });
}

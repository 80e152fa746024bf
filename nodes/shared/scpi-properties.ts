/**
 * The `scpi` node's properties, parsed once at deploy: the command template compiled with its
 * placeholder rows (the same engine the editor dialog validates with), the reply options, and the
 * message → program step. Pure: no Node-RED, no I/O.
 */
import { InvalidInputError } from '../../src/core';
import type { ByteOrder, ReplyKind, ScpiProgram, ScpiReplyValue, ScpiTemplate } from '../../src/visa';
import { parseScpiTimeout } from './config';
import { visaLib } from './libraries';

export interface ScpiNodeDef {
  command?: unknown;
  placeholders?: unknown;
  reply?: unknown;
  byteOrder?: unknown;
  checkErrors?: unknown;
  opc?: unknown;
  timeout?: unknown;
  allowRaw?: unknown;
}

export interface ScpiNodeProperties {
  template: ScpiTemplate;
  reply: ReplyKind;
  byteOrder: ByteOrder;
  checkErrors: boolean;
  opc: boolean;
  /** Reply timeout per query, ms; undefined = the instrument's. */
  timeoutMs: number | undefined;
  allowRaw: boolean;
}

/** Parses the node's properties; InvalidInputError names what is wrong. */
export function parseScpiNodeProperties(def: ScpiNodeDef): ScpiNodeProperties {
  const { compileScpiTemplate, REPLY_KINDS } = visaLib();
  const template = compileScpiTemplate(def.command, def.placeholders ?? []);
  const reply = (def.reply === undefined || def.reply === '' ? 'auto' : def.reply) as ReplyKind;
  if (!REPLY_KINDS.includes(reply)) {
    throw new InvalidInputError(
      `reply must be one of ${REPLY_KINDS.join(', ')}, got ${JSON.stringify(def.reply)}.`,
    );
  }
  const byteOrder = (
    def.byteOrder === undefined || def.byteOrder === '' ? 'big' : def.byteOrder
  ) as ByteOrder;
  if (byteOrder !== 'big' && byteOrder !== 'little') {
    throw new InvalidInputError(`byteOrder must be big or little, got ${JSON.stringify(def.byteOrder)}.`);
  }
  return {
    template,
    reply,
    byteOrder,
    checkErrors: def.checkErrors !== false,
    opc: def.opc === true,
    timeoutMs: parseScpiTimeout(def.timeout),
    allowRaw: def.allowRaw === true,
  };
}

/**
 * The program one message runs: the template with `msg.payload` formatted in, or — only with
 * allowRaw — the one raw line of `msg.command`. Throws InvalidInputError before anything is sent.
 */
export function programForMessage(
  props: ScpiNodeProperties,
  msg: { payload?: unknown; command?: unknown },
): ScpiProgram {
  let lines;
  if (msg.command !== undefined) {
    if (!props.allowRaw) {
      throw new InvalidInputError(
        'msg.command is refused: this scpi node runs its template only. Turn on "allow msg.command" in its properties to send raw commands.',
      );
    }
    lines = [visaLib().rawScpiProgramLine(msg.command)];
  } else {
    lines = visaLib().scpiProgramLines(props.template, msg.payload);
  }
  return {
    lines,
    reply: props.reply,
    byteOrder: props.byteOrder,
    opc: props.opc,
    checkErrors: props.checkErrors,
    timeoutMs: props.timeoutMs,
  };
}

/** The program header of a command line: `:SOUR:VOLT 5` → `:SOUR:VOLT`. */
export function commandHeader(command: string): string {
  const text = command.trim();
  const end = text.search(/\s/);
  return end < 0 ? text : text.slice(0, end);
}

const STATUS_TEXT_MAX = 32;

/** A reply as a short status text: a Buffer shows `<n> bytes`, an array `<n> values`, text is cut. */
export function replySummary(
  value: ScpiReplyValue | null,
  texts: { bytes(n: number): string; values(n: number): string; done: string },
): string {
  if (value === null) return texts.done;
  if (Buffer.isBuffer(value)) return texts.bytes(value.length);
  if (Array.isArray(value)) {
    if (value.length <= 3) return value.map((v) => String(v)).join(', ');
    return texts.values(value.length);
  }
  const text = String(value);
  return text.length > STATUS_TEXT_MAX ? `${text.slice(0, STATUS_TEXT_MAX - 1)}…` : text;
}

/** `maker,model,serial,firmware` → { model, serial } (an `*IDN?` answer), else undefined. */
export function identityFromIdn(reply: ScpiReplyValue): { model: string; serial: string } | undefined {
  if (typeof reply !== 'string') return undefined;
  const fields = reply.split(',').map((f) => f.trim());
  if (fields.length < 3 || fields[1] === '' || fields[2] === '') return undefined;
  return { model: fields[1], serial: fields[2] };
}

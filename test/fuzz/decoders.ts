/**
 * The decoder table of the fuzz harness: one row per decoder that reads bytes from a line or a
 * peer. To fuzz a new decoder, add one row: how to make one well-formed unit (`unit`), how to run
 * a fresh decoder over a chunked stream (`run`), and the oracle (`check`) that says whether what
 * it reported is right for the stream. See docs/reliability.md.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'util';
import type { DecoderRow } from './harness';
import { selectorOf, encodeRequest, encodeResponse, decodeResponse } from '../../src/watlow/stdbus/payload';
import type { StdBusRequest, StdBusResponse } from '../../src/watlow/stdbus/payload';
import {
  decodeFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  frameLength,
  HOST_MAC,
  macOfAddress,
  FRAME_TYPE_RESPONSE,
  MAX_PAYLOAD,
} from '../../src/watlow/stdbus/frame';
import { StdBusReplyReader } from '../../src/watlow/stdbus/reader';
import { RtuResponseReader } from '../../src/modbus/rtu-reader';
import { crcMatches, encodeRtuRequest, encodeRtuResponse, pduOfRtuFrame } from '../../src/modbus/rtu';
import { LineFramer, stripTerminator } from '../../src/transport/line-framer';
import {
  parseNumberReply,
  parseOutputState,
  parseScpiError,
  parseIdentity,
} from '../../src/keithley/replies';
import { LabbenchError } from '../../src/core/errors';
import {
  decodeHeader,
  encodeDevDepMsgInHeader,
  parseCapabilities,
  HEADER_SIZE,
} from '../../src/transport/usbtmc-codec';
import {
  AcceptStat,
  decodeReply,
  encodeRecord,
  encodeReply,
  MAX_RECORD,
  RecordAssembler,
} from '../../src/transport/vxi11-xdr';
import { decodeReadResp, encodeReadResp } from '../../src/transport/vxi11-messages';
import { encodeMessage, HislipFrameReader, HISLIP_HEADER_SIZE } from '../../src/transport/hislip-codec';
import { encodeMbap, MbapDecoder, MBAP_HEADER_LENGTH } from '../../src/modbus/mbap';
import { decodeBinaryArray, decodeBlock } from '../../src/visa/blocks';
import { probeBlockHeader } from '../../src/transport/block-header';
import { parseScpiReply } from '../../src/visa/scpi-replies';

const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

// --- Std Bus: the reply reader of one read transaction -------------------------------------------

const STD_REQUEST: StdBusRequest = { service: 'read', selector: selectorOf(7001, 1) };
const stdReply = (address: number, response: StdBusResponse): Uint8Array =>
  encodeResponseFrame(address, encodeResponse(response));
const STD_SENTINEL = stdReply(1, {
  kind: 'read',
  selector: STD_REQUEST.selector,
  value: { type: 'float', value: 12345.5 },
});

/** Reference: every CRC-valid reply frame to the host from controller 1 at any offset of the bytes. */
function stdBusRepliesIn(bytes: Uint8Array): StdBusResponse[] {
  const out: StdBusResponse[] = [];
  for (let at = 0; at + 8 <= bytes.length; at++) {
    if (bytes[at] !== 0x55 || bytes[at + 1] !== 0xff) continue;
    const length = (bytes[at + 5]! << 8) | bytes[at + 6]!;
    if (length > MAX_PAYLOAD) continue;
    try {
      const frame = decodeFrame(bytes.subarray(at, at + frameLength(length)));
      if (frame.frameType !== FRAME_TYPE_RESPONSE || frame.destination !== HOST_MAC) continue;
      if (frame.source !== macOfAddress(1)) continue;
      out.push(decodeResponse(frame.payload));
    } catch {
      // not a frame here
    }
  }
  return out;
}

const stdBusRow: DecoderRow = {
  name: 'Std Bus reply reader',
  unit: fc.oneof(
    fc
      .float({ noNaN: true, noDefaultInfinity: true })
      .map((v) =>
        stdReply(1, { kind: 'read', selector: STD_REQUEST.selector, value: { type: 'float', value: v } }),
      ),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => stdReply(1, { kind: 'error', code })),
    fc.constant(encodeRequestFrame(1, encodeRequest(STD_REQUEST))),
    fc
      .integer({ min: 2, max: 16 })
      .map((a) =>
        stdReply(a, { kind: 'read', selector: STD_REQUEST.selector, value: { type: 'u8', value: a } }),
      ),
    fc
      .integer({ min: 2, max: 9 })
      .map((i) =>
        stdReply(1, { kind: 'read', selector: selectorOf(7001, i), value: { type: 'u8', value: i } }),
      ),
  ),
  run(chunks) {
    const reader = new StdBusReplyReader(1, STD_REQUEST);
    for (const chunk of chunks) {
      const reply = reader.push(chunk);
      if (reply !== undefined) return { reply, fromStream: true };
    }
    // Whatever came before, a valid reply arriving now must be found: the bus is never out of step.
    return { reply: reader.push(STD_SENTINEL), fromStream: false };
  },
  check(report, stream) {
    const { reply, fromStream } = report as { reply: StdBusResponse | undefined; fromStream: boolean };
    if (reply === undefined) return 'a valid reply after the noise was not found (desynchronised)';
    // The sentinel is read after the stream: a frame may span both (a fragment completed by it).
    const candidates = stdBusRepliesIn(fromStream ? stream : Buffer.concat([stream, STD_SENTINEL]));
    if (!candidates.some((c) => same(c, reply))) return `false reply ${JSON.stringify(reply)}`;
    if (reply.kind === 'read' && !same(reply.selector, STD_REQUEST.selector))
      return 'reply for another selector';
    return undefined;
  },
};

// --- Modbus RTU: the reply reader of one read transaction ----------------------------------------

const MB_REQUEST = { fc: 0x03, address: 360, quantity: 2 } as const;
const MB_REQUEST_BYTES = encodeRtuRequest(1, MB_REQUEST);
const mbRead = (unit: number, values: number[]): Buffer =>
  encodeRtuResponse(unit, MB_REQUEST, { kind: 'registers', values });
const MB_SENTINEL = mbRead(1, [0xbeef, 0x1234]);

/** Reference: every CRC-valid frame at any offset that is a reply to MB_REQUEST. */
function modbusRepliesIn(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 5 <= bytes.length; at++) {
    if (bytes[at] !== 1) continue;
    const fc = bytes[at + 1];
    const length = fc === 0x83 ? 5 : fc === 0x03 && bytes[at + 2] === 4 ? 9 : undefined;
    if (length === undefined || at + length > bytes.length) continue;
    const frame = bytes.subarray(at, at + length);
    if (crcMatches(frame)) out.push(Uint8Array.from(pduOfRtuFrame(frame)));
  }
  return out;
}

const modbusRow: DecoderRow = {
  name: 'Modbus RTU response reader',
  unit: fc.oneof(
    fc.tuple(fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff })).map(([a, b]) => mbRead(1, [a, b])),
    fc
      .integer({ min: 1, max: 4 })
      .map((code) => encodeRtuResponse(1, MB_REQUEST, { kind: 'exception', fc: 3, code })),
    fc.constant(MB_REQUEST_BYTES),
    fc.integer({ min: 2, max: 247 }).map((slave) => mbRead(slave, [1, 2])),
    fc.constant(mbRead(1, [1, 2, 3])),
  ),
  run(chunks) {
    const reader = new RtuResponseReader(1, MB_REQUEST_BYTES.subarray(1, 6), MB_REQUEST_BYTES);
    for (const chunk of chunks) {
      const reply = reader.push(chunk);
      if (reply !== undefined) return { reply, fromStream: true };
    }
    return { reply: reader.push(MB_SENTINEL), fromStream: false };
  },
  check(report, stream) {
    const { reply, fromStream } = report as { reply: Uint8Array | undefined; fromStream: boolean };
    if (reply === undefined) return 'a valid reply after the noise was not found (desynchronised)';
    const candidates = modbusRepliesIn(fromStream ? stream : Buffer.concat([stream, MB_SENTINEL]));
    if (!candidates.some((c) => same(c, reply))) return `false reply ${JSON.stringify(reply)}`;
    return undefined;
  },
};

// --- SCPI replies: line framing and the 2281S reply parsers --------------------------------------

const scpiNumber = fc
  .tuple(
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    fc.constantFrom('e', 'f', 'bare'),
    fc.constantFrom('', 'V', 'A', 's', 'mA', 'uA', 'OHM', 'W'),
  )
  .map(
    ([v, style, unit]) =>
      `${style === 'e' ? v.toExponential(6) : style === 'f' ? v.toFixed(3) : String(v)}${unit}`,
  );

const scpiLine = fc
  .oneof(
    fc.array(scpiNumber, { minLength: 1, maxLength: 3 }).map((f) => f.join(',')),
    fc.constantFrom('0,"No error"', '-222,"Data out of range"', '-113,"Undefined header"'),
    fc.constantFrom(
      'KEITHLEY INSTRUMENTS,MODEL 2281S-20-6,4518305,01.08b',
      '1',
      '0',
      '2',
      'DIS',
      'ON',
      'OFF',
    ),
  )
  .map((text) => Buffer.from(`${text}\n`, 'latin1'));

/** The reference number grammar (the pattern the parser used before; safe on these short fields). */
const REFERENCE_FIELD = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Zµ]*)$/; // eslint-disable-line regexp/no-super-linear-backtracking
const REFERENCE_PREFIX: Record<string, number> = { m: 1e-3, u: 1e-6, µ: 1e-6, n: 1e-9, k: 1e3 };

function referenceFirstNumber(text: string): number | undefined {
  const field = text.split(',')[0]!.trim();
  if (field.length > 80) return undefined; // the parser's cap: number ≤ 64 characters, unit ≤ 8
  const m = REFERENCE_FIELD.exec(field);
  if (!m) return undefined;
  let value = Number(m[1]);
  const unit = m[2]!;
  if (m[1]!.length > 64 || unit.length > 8) return undefined;
  if (unit.length > 1 && Object.prototype.hasOwnProperty.call(REFERENCE_PREFIX, unit[0]!))
    value *= REFERENCE_PREFIX[unit[0]!]!;
  return Math.abs(value) >= 9.8e37 ? Number.NaN : value;
}

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    if (!(err instanceof LabbenchError)) throw err;
    return { code: err.code };
  }
}

const scpiRow: DecoderRow = {
  name: 'SCPI replies (line framer + 2281S parsers)',
  unit: scpiLine,
  run(chunks) {
    const framer = new LineFramer(4096);
    const lines: { text: string; number: unknown; error: unknown; idn: unknown; output: unknown }[] = [];
    for (const chunk of chunks) {
      framer.push(Buffer.from(chunk));
      for (let m = framer.shift(); m; m = framer.shift()) {
        const text = stripTerminator(m.toString('latin1'));
        lines.push({
          text,
          number: outcome(() => parseNumberReply(text, ':MEAS?')),
          error: outcome(() => parseScpiError(text)),
          idn: outcome(() => parseIdentity(text)),
          output: outcome(() => parseOutputState(text, ':BATT:OUTP?')),
        });
      }
    }
    return lines;
  },
  check(report, stream) {
    const lines = report as { text: string; number: { ok?: number; code?: string } }[];
    const expectedLines = Buffer.from(stream).toString('latin1').split('\n').length - 1;
    if (lines.length !== expectedLines) return `${lines.length} lines framed, ${expectedLines} in the stream`;
    for (const line of lines) {
      const want = referenceFirstNumber(line.text);
      const got = line.number.ok;
      if (want === undefined && got !== undefined && !/,/.test(line.text))
        return `false number ${got} from ${JSON.stringify(line.text)}`;
      if (want !== undefined && !Object.is(got, want) && !/,/.test(line.text))
        return `number ${String(got)} from ${JSON.stringify(line.text)}, reference ${want}`;
    }
    return undefined;
  },
};

// --- USBTMC Bulk-IN headers and GET_CAPABILITIES replies ------------------------------------------

/** Reference Bulk header decode: 12 bytes, bTagInverse = ~bTag, little-endian transfer size. */
function referenceHeader(chunk: Uint8Array): unknown {
  if (chunk.length < HEADER_SIZE || (~chunk[1]! & 0xff) !== chunk[2]) return undefined;
  return {
    msgId: chunk[0],
    bTag: chunk[1],
    transferSize: (chunk[4]! | (chunk[5]! << 8) | (chunk[6]! << 16) | (chunk[7]! << 24)) >>> 0,
    attributes: chunk[8],
    termChar: chunk[9],
  };
}

const usbtmcRow: DecoderRow = {
  name: 'USBTMC bulk headers + capabilities',
  unit: fc
    .tuple(
      fc.integer({ min: 1, max: 255 }),
      fc.nat({ max: 4096 }),
      fc.boolean(),
      fc.uint8Array({ maxLength: 20 }),
    )
    .map(([tag, size, eom, data]) => Buffer.concat([encodeDevDepMsgInHeader(tag, size, eom), data])),
  // Each chunk is one USB transfer: a header at its start, then data.
  run(chunks) {
    return chunks.map((chunk) => {
      parseCapabilities(chunk);
      const header = decodeHeader(chunk);
      const reference = referenceHeader(chunk);
      return same(header, reference)
        ? undefined
        : `header ${JSON.stringify(header)}, reference ${JSON.stringify(reference)}`;
    });
  },
  check: (report) => (report as (string | undefined)[]).find((r) => r !== undefined),
};

// --- VXI-11: RPC record marking, reply headers, device_read results -------------------------------

const vxiUnit = fc
  .tuple(fc.nat(), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 3 }))
  .map(([xid, data, fragments]) => {
    const payload = encodeReply(
      xid >>> 0,
      AcceptStat.SUCCESS,
      encodeReadResp({ error: 0, reason: 4, data: Buffer.from(data) }),
    );
    if (fragments === 1) return encodeRecord(payload);
    // The same record as several fragments (only the last with the high bit).
    const parts: Buffer[] = [];
    const step = Math.ceil(payload.length / fragments);
    for (let at = 0; at < payload.length; at += step) {
      const piece = payload.subarray(at, at + step);
      const mark = Buffer.alloc(4);
      mark.writeUInt32BE(((at + step >= payload.length ? 0x80000000 : 0) | piece.length) >>> 0, 0);
      parts.push(mark, piece);
    }
    return Buffer.concat(parts);
  });

/** Reference record marking: records in order until the stream ends or a record is too large. */
function referenceRecords(stream: Uint8Array): { records: Buffer[]; tooLarge: boolean } {
  const records: Buffer[] = [];
  let fragments: Buffer[] = [];
  let size = 0;
  let at = 0;
  while (at + 4 <= stream.length) {
    const mark = Buffer.from(stream.subarray(at, at + 4)).readUInt32BE(0);
    const len = mark & 0x7fffffff;
    if (size + len > MAX_RECORD) return { records, tooLarge: true };
    if (at + 4 + len > stream.length) break;
    fragments.push(Buffer.from(stream.subarray(at + 4, at + 4 + len)));
    size += len;
    at += 4 + len;
    if (mark & 0x80000000) {
      records.push(Buffer.concat(fragments));
      fragments = [];
      size = 0;
    }
  }
  return { records, tooLarge: false };
}

const vxi11Row: DecoderRow = {
  name: 'VXI-11 record marking + RPC reply + device_read',
  unit: vxiUnit,
  maxGarbage: 6,
  run(chunks) {
    const assembler = new RecordAssembler();
    const records: Buffer[] = [];
    let error: string | undefined;
    try {
      for (const chunk of chunks) records.push(...assembler.push(Buffer.from(chunk)));
      assembler.push(Buffer.alloc(0)); // a corruption found after complete records surfaces now
    } catch (err) {
      if (!(err instanceof LabbenchError)) throw err;
      error = err.code;
    }
    for (const record of records) {
      const reply = outcome(() => decodeReply(record)) as { ok?: { kind: string; result?: Buffer } };
      if (reply.ok?.kind === 'success' && reply.ok.result) outcome(() => decodeReadResp(reply.ok!.result!));
    }
    return { records, error };
  },
  check(report, stream) {
    const { records, error } = report as { records: Buffer[]; error: string | undefined };
    const reference = referenceRecords(stream);
    if (reference.tooLarge !== (error !== undefined))
      return `oversized record: reference ${reference.tooLarge}, decoder ${String(error)}`;
    if (
      !same(
        records.map((r) => r.toString('hex')),
        reference.records.map((r) => r.toString('hex')),
      )
    )
      return `records differ from the reference (${records.length} vs ${reference.records.length})`;
    return undefined;
  },
};

// --- HiSLIP: the incremental frame reader -------------------------------------------------------

/** The reader's payload cap in this row: small, so length lies often exceed it. */
const HS_MAX_PAYLOAD = 64;
const HS_SENTINEL = encodeMessage(7, 0, 0xffffff00, Buffer.from('+1.25E+00\n'));

interface SeenMessage {
  type: number;
  control: number;
  parameter: number;
  payload: string;
}

/**
 * Reference HiSLIP framing: 16-byte headers back to back from the first byte ("HS", type,
 * control, u32 parameter, u64 length, payload); a wrong prologue or a length over the cap ends
 * the stream with an error (the reader never scans for a new start: that could forge a reply).
 */
function referenceHislip(stream: Uint8Array): { messages: SeenMessage[]; refused: boolean } {
  const b = Buffer.from(stream);
  const messages: SeenMessage[] = [];
  let at = 0;
  while (at + HISLIP_HEADER_SIZE <= b.length) {
    if (b[at] !== 0x48 || b[at + 1] !== 0x53) return { messages, refused: true };
    const length = b.readBigUInt64BE(at + 8);
    if (length > BigInt(HS_MAX_PAYLOAD)) return { messages, refused: true };
    const end = at + HISLIP_HEADER_SIZE + Number(length);
    if (end > b.length) break;
    messages.push({
      type: b[at + 2]!,
      control: b[at + 3]!,
      parameter: b.readUInt32BE(at + 4),
      payload: b.subarray(at + HISLIP_HEADER_SIZE, end).toString('hex'),
    });
    at = end;
  }
  return { messages, refused: false };
}

const hislipRow: DecoderRow = {
  name: 'HiSLIP frame reader',
  unit: fc
    .tuple(fc.nat({ max: 25 }), fc.nat({ max: 255 }), fc.nat(), fc.uint8Array({ maxLength: HS_MAX_PAYLOAD }))
    .map(([type, control, parameter, payload]) =>
      encodeMessage(type, control, parameter >>> 0, Buffer.from(payload)),
    ),
  // Little garbage: any garbage byte before a header rightly ends the stream (wrong prologue).
  maxGarbage: 3,
  run(chunks) {
    const reader = new HislipFrameReader(HS_MAX_PAYLOAD);
    const messages: SeenMessage[] = [];
    let error: string | undefined;
    // The sentinel comes after the stream: a reader still in step must deliver it.
    for (const chunk of [...chunks, HS_SENTINEL]) {
      try {
        for (const m of reader.push(Buffer.from(chunk)))
          messages.push({
            type: m.type,
            control: m.control,
            parameter: m.parameter,
            payload: m.payload.toString('hex'),
          });
      } catch (err) {
        if (!(err instanceof LabbenchError)) throw err;
        if (error !== undefined && err.code !== error)
          return { messages, error: `${error} then ${err.code}` };
        error = err.code;
      }
    }
    return { messages, error };
  },
  check(report, stream) {
    const { messages, error } = report as { messages: SeenMessage[]; error: string | undefined };
    const reference = referenceHislip(Buffer.concat([stream, HS_SENTINEL]));
    if (error !== undefined && error !== 'E_PROTOCOL') return `error ${error} instead of E_PROTOCOL`;
    if (reference.refused !== (error !== undefined))
      return `refusal: reference ${reference.refused}, reader ${String(error)}`;
    // A push that meets a corrupt header throws, dropping the messages completed in that same push
    // (the connection is closed anyway): when refused, the reader may deliver fewer, never others.
    const expected = error === undefined ? reference.messages : reference.messages.slice(0, messages.length);
    if (!same(messages, expected))
      return `messages differ from the reference (${messages.length} vs ${reference.messages.length})`;
    return undefined;
  },
};

// --- Modbus TCP: the MBAP decoder ----------------------------------------------------------------

const MBAP_SENTINEL = encodeMbap({ transactionId: 0xbeef, unitId: 1, pdu: Buffer.from([3, 2, 0x12, 0x34]) });

interface SeenMbap {
  transactionId: number;
  unitId: number;
  pdu: string;
}

/**
 * Reference MBAP framing: headers back to back from the first byte; protocol id ≠ 0 or a length
 * field outside 2..254 refuses the rest of the stream (frames before it still count).
 */
function referenceMbap(stream: Uint8Array): { frames: SeenMbap[]; refused: boolean } {
  const b = Buffer.from(stream);
  const frames: SeenMbap[] = [];
  let at = 0;
  while (at + MBAP_HEADER_LENGTH <= b.length) {
    const length = b.readUInt16BE(at + 4);
    if (b.readUInt16BE(at + 2) !== 0 || length < 2 || length > 254) return { frames, refused: true };
    const end = at + 6 + length;
    if (end > b.length) break;
    frames.push({
      transactionId: b.readUInt16BE(at),
      unitId: b[at + 6]!,
      pdu: b.subarray(at + MBAP_HEADER_LENGTH, end).toString('hex'),
    });
    at = end;
  }
  return { frames, refused: false };
}

const mbapRow: DecoderRow = {
  name: 'Modbus TCP (MBAP) decoder',
  unit: fc
    .tuple(fc.nat({ max: 0xffff }), fc.nat({ max: 255 }), fc.uint8Array({ minLength: 1, maxLength: 40 }))
    .map(([transactionId, unitId, pdu]) => encodeMbap({ transactionId, unitId, pdu })),
  maxGarbage: 3,
  run(chunks) {
    const decoder = new MbapDecoder();
    const frames: SeenMbap[] = [];
    const errors: string[] = [];
    let lastPushRefused = false;
    for (const chunk of [...chunks, MBAP_SENTINEL]) {
      const result = decoder.push(chunk);
      for (const f of result.frames)
        frames.push({ transactionId: f.transactionId, unitId: f.unitId, pdu: f.pdu.toString('hex') });
      lastPushRefused = result.error !== undefined;
      if (result.error) {
        if (!(result.error instanceof LabbenchError)) throw result.error;
        errors.push(result.error.code);
      }
    }
    const lastRefused = errors.length > 0 && lastPushRefused;
    return { frames, errors, desynchronised: decoder.desynchronised, lastRefused };
  },
  check(report, stream) {
    const { frames, errors, desynchronised, lastRefused } = report as {
      frames: SeenMbap[];
      errors: string[];
      desynchronised: boolean;
      lastRefused: boolean;
    };
    const reference = referenceMbap(Buffer.concat([stream, MBAP_SENTINEL]));
    if (errors.some((code) => code !== 'E_PROTOCOL')) return `errors ${errors.join(', ')}`;
    if (reference.refused !== desynchronised || reference.refused !== errors.length > 0)
      return `refusal: reference ${reference.refused}, decoder ${desynchronised} (${errors.length} errors)`;
    // Once refusing, every later push says so again (the sentinel's push is the last).
    if (desynchronised && !lastRefused) return 'the refusal was forgotten by a later push';
    if (!same(frames, reference.frames))
      return `frames differ from the reference (${frames.length} vs ${reference.frames.length})`;
    return undefined;
  },
};

// --- IEEE 488.2 blocks: the line framer's block mode, block decode, typed replies -----------------

/** The framer's block cap in this row: small, so length lies are often refused as oversize. */
const BLOCK_CAP = 1000;

const blockUnit = fc
  .oneof(
    // Definite block, length field padded to 1..9 digits; data may hold LFs and '#'.
    fc
      .tuple(fc.uint8Array({ maxLength: 48 }), fc.nat({ max: 8 }), fc.constantFrom('', '\r'))
      .map(([data, pad, cr]) => {
        const len = String(data.length);
        const digits = len.padStart(Math.min(9, len.length + pad), '0');
        return Buffer.concat([Buffer.from(`#${digits.length}${digits}`), data, Buffer.from(cr)]);
      }),
    // Indefinite block: data without LF.
    fc
      .uint8Array({ maxLength: 24 })
      .map((data) => Buffer.concat([Buffer.from('#0'), Buffer.from(data.map((b) => (b === 10 ? 11 : b)))])),
    fc.constantFrom('+1.5E+00', '1,2,3', '"text"', '#H1F', '#'),
  )
  // A leading LF ends whatever garbage line came before, so the unit starts a message.
  .map((body) => Buffer.concat([Buffer.from('\n'), Buffer.from(body), Buffer.from('\n')]));

/** Reference framing: LF-terminated messages, but a definite block's data is skipped first. */
function referenceMessages(stream: Uint8Array): { messages: Buffer[]; oversize: boolean } {
  const b = Buffer.from(stream);
  const messages: Buffer[] = [];
  let at = 0;
  while (at < b.length) {
    let scanFrom = at;
    if (b[at] === 0x23 && at + 1 < b.length && b[at + 1]! >= 0x31 && b[at + 1]! <= 0x39) {
      const n = b[at + 1]! - 0x30;
      let length = 0;
      let digits = 0;
      while (digits < n && at + 2 + digits < b.length) {
        const d = b[at + 2 + digits]!;
        if (d < 0x30 || d > 0x39) break;
        length = length * 10 + d - 0x30;
        digits++;
      }
      if (digits === n) {
        if (length > BLOCK_CAP) return { messages, oversize: true };
        scanFrom = at + 2 + n + length;
      } else if (at + 2 + digits >= b.length) break; // header still incomplete
    }
    const lf = b.indexOf(0x0a, scanFrom);
    if (lf < 0) break;
    messages.push(b.subarray(at, lf + 1));
    at = lf + 1;
  }
  return { messages, oversize: false };
}

/** Reference block decode (definite + terminator only, or indefinite) or undefined for "refused". */
function referenceBlockData(m: Buffer): Buffer | undefined {
  if (m.length < 2 || m[0] !== 0x23 || m[1]! < 0x30 || m[1]! > 0x39) return undefined;
  if (m[1] === 0x30) return m.subarray(2, m.length > 2 && m[m.length - 1] === 0x0a ? m.length - 1 : m.length);
  const n = m[1]! - 0x30;
  const digits = m.subarray(2, 2 + n).toString('latin1');
  if (digits.length !== n || !/^\d+$/.test(digits)) return undefined;
  const end = 2 + n + Number(digits);
  const rest = m.subarray(Math.min(end, m.length)).toString('latin1');
  if (end > m.length || !['', '\n', '\r\n'].includes(rest)) return undefined;
  return m.subarray(2 + n, end);
}

function referenceInt16(data: Buffer | undefined): number[] | undefined {
  if (data === undefined || data.length % 2 !== 0) return undefined;
  const out: number[] = [];
  for (let o = 0; o < data.length; o += 2) out.push(data.readInt16BE(o));
  return out;
}

const blocksRow: DecoderRow = {
  name: 'IEEE 488.2 blocks (line framer block mode + decodeBlock + typed replies)',
  unit: blockUnit,
  run(chunks) {
    const framer = new LineFramer(4096, BLOCK_CAP);
    const messages: {
      bytes: Buffer;
      probe: unknown;
      block: unknown;
      int16: unknown;
      reply: unknown;
      auto: unknown;
    }[] = [];
    let error: string | undefined;
    for (const chunk of chunks) {
      try {
        framer.push(Buffer.from(chunk));
      } catch (err) {
        // An oversize announcement: refused (complete messages kept); the link drops the stream.
        if (!(err instanceof LabbenchError)) throw err;
        error = err.code;
      }
      for (let m = framer.shift(); m; m = framer.shift()) {
        const message = m;
        // Errors cost a stack trace each: text lines (most of the stream) get one block decode only.
        const isBlock =
          message.length >= 2 && message[0] === 0x23 && message[1]! >= 0x30 && message[1]! <= 0x39;
        const block = outcome(() => decodeBlock(message)) as Outcome;
        messages.push({
          bytes: message,
          probe: probeBlockHeader(message, 0, BLOCK_CAP).kind,
          block,
          int16: block.ok ? outcome(() => decodeBinaryArray(block.ok as Buffer, 'int16', 'big')) : block,
          reply: isBlock ? outcome(() => parseScpiReply(message, 'int16')) : undefined,
          auto: isBlock ? outcome(() => parseScpiReply(message, 'auto')) : undefined,
        });
      }
      if (error !== undefined) break;
    }
    return { messages, error };
  },
  check(report, stream) {
    const { messages, error } = report as {
      messages: {
        bytes: Buffer;
        probe: string;
        block: Outcome;
        int16: Outcome;
        reply: Outcome | undefined;
        auto: Outcome | undefined;
      }[];
      error: string | undefined;
    };
    const reference = referenceMessages(stream);
    if (error !== undefined && error !== 'E_PROTOCOL') return `error ${error} instead of E_PROTOCOL`;
    if (reference.oversize !== (error !== undefined))
      return `oversize: reference ${reference.oversize}, framer ${String(error)}`;
    if (
      !same(
        messages.map((m) => m.bytes.toString('hex')),
        reference.messages.map((m) => m.toString('hex')),
      )
    )
      return `messages differ from the reference (${messages.length} vs ${reference.messages.length})`;
    for (const m of messages) {
      const shown = JSON.stringify(m.bytes.toString('latin1'));
      const data = referenceBlockData(m.bytes);
      const want = data === undefined ? { code: 'E_PROTOCOL' } : { ok: data };
      if (!same(m.block, want)) return `decodeBlock of ${shown}: ${JSON.stringify(m.block)}`;
      const values = referenceInt16(data);
      const wantValues = values === undefined ? { code: 'E_PROTOCOL' } : { ok: values };
      if (!same(m.int16, wantValues) || (m.reply !== undefined && !same(m.reply, wantValues)))
        return `int16 of ${shown}: ${JSON.stringify(m.int16)} / ${JSON.stringify(m.reply)}`;
      if (
        m.bytes.length >= 2 &&
        m.bytes[0] === 0x23 &&
        m.bytes[1]! >= 0x30 &&
        m.bytes[1]! <= 0x39 &&
        !same(m.auto, want)
      )
        return `auto reply of block ${shown}: ${JSON.stringify(m.auto)}`;
    }
    return undefined;
  },
};

type Outcome = { ok?: unknown; code?: string };

/**
 * Every decoder the fuzz suites attack.
 */
export const DECODERS: readonly DecoderRow[] = [
  stdBusRow,
  modbusRow,
  scpiRow,
  usbtmcRow,
  vxi11Row,
  hislipRow,
  mbapRow,
  blocksRow,
];

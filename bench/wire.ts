/**
 * A metering `sim:` opener for the bench: every simulated port opened through it is wrapped so
 * that the bench can count what crossed the wire (bytes each way, requests by Modbus function
 * code) and how many data/close listeners are subscribed on it — the same numbers a logic analyser
 * and a heap snapshot would give, without touching the library. It goes into the bench's own
 * opener table (bench/backends.ts), like any other backend.
 */
import { parseSimPath } from '../src/core/identity';
import type { StreamOpener } from '../src/transport/openers';
import type { ByteStream } from '../src/transport/types';

export interface PortMeter {
  /** Bytes written by the host (requests). */
  bytesOut: number;
  /** Bytes received by the host (replies). */
  bytesIn: number;
  /** Host writes (one per request frame). */
  writes: number;
  /** Requests by first function-code byte (Modbus: byte 1). */
  modbusFunctionCodes: Map<number, number>;
  /** onData / onClose subscriptions currently held on this port's host end. */
  dataListeners: number;
  closeListeners: number;
  opens: number;
  closes: number;
  /** When `recordTimeline` is set: host writes ('w') and host receives ('r'), performance.now() ms. */
  timeline: { kind: 'w' | 'r'; at: number }[];
  recordTimeline: boolean;
  /** When `recordRequests` is set: a copy of every frame the host wrote. */
  requests: Buffer[];
  recordRequests: boolean;
}

const meters = new Map<string, PortMeter>();

function meterFor(bus: string): PortMeter {
  let m = meters.get(bus);
  if (!m) {
    m = {
      bytesOut: 0,
      bytesIn: 0,
      writes: 0,
      modbusFunctionCodes: new Map(),
      dataListeners: 0,
      closeListeners: 0,
      opens: 0,
      closes: 0,
      timeline: [],
      recordTimeline: false,
      requests: [],
      recordRequests: false,
    };
    meters.set(bus, m);
  }
  return m;
}

export function portMeter(bus: string): PortMeter {
  return meterFor(bus.toLowerCase());
}

export function resetPortMeter(bus: string): void {
  const m = meterFor(bus.toLowerCase());
  m.bytesOut = 0;
  m.bytesIn = 0;
  m.writes = 0;
  m.modbusFunctionCodes.clear();
  m.timeline.length = 0;
  m.requests.length = 0;
}

/**
 * Where a port's time went, from its timeline: exchanges (request out → last reply byte in) and
 * the silences between them (last reply byte in → next request out), with the shortest silence
 * and, against a required silence `gapMs`, how many fell short and by how much in all.
 */
export function timelineSplit(
  bus: string,
  gapMs = 0,
): {
  exchanges: number;
  exchangeMs: number;
  betweenMs: number;
  silences: number;
  minSilenceMs: number;
  shortSilences: number;
  shortfallMs: number;
  spanMs: number;
  firstAt: number;
  lastAt: number;
  /** Each exchange's and each silence's duration, ms, in order. */
  exchangeDurations: number[];
  silenceDurations: number[];
} {
  const t = portMeter(bus).timeline;
  const exchangeDurations: number[] = [];
  const silenceDurations: number[] = [];
  let exchanges = 0;
  let exchangeMs = 0;
  let betweenMs = 0;
  let silences = 0;
  let minSilenceMs = Infinity;
  let shortSilences = 0;
  let shortfallMs = 0;
  let i = 0;
  while (i < t.length) {
    if (t[i]!.kind !== 'w') {
      i++;
      continue;
    }
    const start = t[i]!.at;
    let j = i + 1;
    let end: number | undefined;
    while (j < t.length && t[j]!.kind === 'r') end = t[j++]!.at;
    if (end !== undefined) {
      exchanges++;
      exchangeMs += end - start;
      exchangeDurations.push(end - start);
      if (j < t.length) {
        const silence = t[j]!.at - end;
        betweenMs += silence;
        silences++;
        silenceDurations.push(silence);
        minSilenceMs = Math.min(minSilenceMs, silence);
        if (silence < gapMs) {
          shortSilences++;
          shortfallMs += gapMs - silence;
        }
      }
    }
    i = j;
  }
  const firstAt = t[0]?.at ?? 0;
  const lastAt = t[t.length - 1]?.at ?? 0;
  return {
    exchanges,
    exchangeMs,
    betweenMs,
    silences,
    minSilenceMs,
    shortSilences,
    shortfallMs,
    spanMs: lastAt - firstAt,
    firstAt,
    lastAt,
    exchangeDurations,
    silenceDurations,
  };
}

/** Sum over every metered port of the listeners still subscribed (leak check). */
export function totalListeners(): { data: number; close: number; openPorts: number } {
  let data = 0;
  let close = 0;
  let openPorts = 0;
  for (const m of meters.values()) {
    data += m.dataListeners;
    close += m.closeListeners;
    openPorts += m.opens - m.closes;
  }
  return { data, close, openPorts };
}

function metered(bus: string, stream: ByteStream): ByteStream {
  const m = meterFor(bus.toLowerCase());
  m.opens++;
  let closed = false;
  return {
    label: stream.label,
    get isOpen() {
      return stream.isOpen;
    },
    write(bytes: Uint8Array) {
      m.writes++;
      m.bytesOut += bytes.length;
      if (m.recordTimeline) m.timeline.push({ kind: 'w', at: performance.now() });
      if (m.recordRequests) m.requests.push(Buffer.from(bytes));
      // Std Bus frames start 55 FF; anything else on these buses is Modbus RTU (byte 1 = FC).
      if (!(bytes[0] === 0x55 && bytes[1] === 0xff) && bytes.length > 1) {
        m.modbusFunctionCodes.set(bytes[1]!, (m.modbusFunctionCodes.get(bytes[1]!) ?? 0) + 1);
      }
      return stream.write(bytes);
    },
    onData(listener: (chunk: Buffer) => void) {
      m.dataListeners++;
      let subscribed = true;
      const off = stream.onData((chunk) => {
        m.bytesIn += chunk.length;
        if (m.recordTimeline) m.timeline.push({ kind: 'r', at: performance.now() });
        listener(chunk);
      });
      return () => {
        if (subscribed) {
          subscribed = false;
          m.dataListeners--;
        }
        off();
      };
    },
    onClose(listener: (err?: Error) => void) {
      m.closeListeners++;
      let subscribed = true;
      const off = stream.onClose(listener);
      return () => {
        if (subscribed) {
          subscribed = false;
          m.closeListeners--;
        }
        off();
      };
    },
    flushInput: () => stream.flushInput(),
    close() {
      if (!closed) {
        closed = true;
        m.closes++;
        // The link clears its listener sets on close: so must the count.
        m.dataListeners = 0;
        m.closeListeners = 0;
      }
      return stream.close();
    },
  };
}

/** `inner` (the simulators' `sim:` opener) with every port it opens metered, by bus name. */
export function meteredSimOpener(inner: StreamOpener): StreamOpener {
  return meteredOpener(inner, (address) => parseSimPath(address)?.bus ?? address);
}

/** `inner` (any stream opener: a real serial port too) with every port it opens metered as `meterOf(address)`. */
export function meteredOpener(inner: StreamOpener, meterOf: (address: string) => string): StreamOpener {
  return async (address, settings) => metered(meterOf(address), await inner(address, settings));
}

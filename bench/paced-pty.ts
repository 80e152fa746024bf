/**
 * Paced Modbus RTU on a real PTY: `labbench-sim watlow --serial B --pace --baud 38400` times its
 * side of the wire like a 38400-baud line (reply bytes at their wire time after a 3 ms device
 * turnaround; requests count as arrived one wire time after the PTY delivered them). The client
 * polls 4 controllers × 5 parameters through the whole stack on the other end.
 *
 * Figure: median poll time. Baseline, same run: the ideal line — every byte of the poll's frames at
 * 10 bits / 38400 baud, plus per transaction the device's 3 ms turnaround and the inter-frame
 * silence the client keeps after each reply (the library's default, 1.75 ms at 38400 baud, which
 * is the 3.5-character silence Modbus fixes for rates above 19200). The frames of one poll are
 * counted once on the in-process simulator (same library, same requests).
 *
 * Alongside, in alternating rounds on the same line, the rig's floor (bench/pty-floor.ts): the
 * same frames from a bare loop that only counts reply bytes and keeps the same silence. What it
 * pays above the ideal line belongs to the rig, not to any client; the stack's own cost is its
 * figure above the floor.
 *
 * Where the time above the ideal goes is read off the port's own timeline (a metered serial
 * opener): the exchanges (request written → last reply byte received: both PTY hops through
 * socat, the simulator's pacing, serialport's reads) against their wire time and turnaround, and
 * the silences (last reply byte → next request: the silence timer, the stack between frames)
 * against the 1.75 ms the protocol asks for.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResourceRegistry } from '../src/core/registry';
import { PACED_TURNAROUND_MS } from '../src/sim/watlow/provider';
import { createOpeners } from '../src/transport';
import type { Openers, StreamOpener } from '../src/transport';
import { WatlowManager } from '../src/watlow';
import { benchSimulators, meteredOpeners } from './backends';
import type { Scenario, ScenarioResult } from './harness';
import {
  loadAverage,
  median,
  resolvedInterFrameGapMs,
  round,
  skipped,
  spawnTracked,
  stopChild,
  until,
  waitForOutput,
} from './harness';
import { socatAvailable } from '../test/support/pty';
import { openFloorLoop } from './pty-floor';
import { meteredOpener, portMeter, resetPortMeter, timelineSplit } from './wire';
import type { PortMeter } from './wire';

const TARGET_RATIO = 1.05;
export const PACED_BAUD = 38400;
const PACED_ADDRESSES = [1, 2, 3, 4];
const PARAMETERS = ['processValue', 'setPoint', 'controlMode', 'inputError', 'filteredProcessValue'];
const ROUNDS = 3;
const POLLS_PER_ROUND = 20;
const WARM_UP_POLLS = 3;
/** The meter of the PTY end the client opens. */
const LINE_METER = 'paced-line';
/** The timeline of the rig's floor loop. */
const FLOOR_METER = 'paced-floor';

/** One holding-register read of the poll, as it went on the wire. */
export interface ModbusRead {
  unit: number;
  register: number;
  count: number;
}

export interface PollTraffic {
  bytes: number;
  transactions: number;
  /** The inter-frame silence the controllers' line keeps, ms. */
  gapMs: number;
  /** The requests of one poll, in order. */
  reads: ModbusRead[];
}

/** Why the paced line cannot run here, or undefined when it can. */
export function pacedLineUnavailable(): string | undefined {
  if (process.platform === 'win32') return 'no PTYs on Windows';
  return socatAvailable() ? undefined : 'socat is not installed (apt-get install socat)';
}

function managerOn(port: string, registry: ResourceRegistry, openers: Openers): WatlowManager {
  const manager = new WatlowManager({ registry, openers });
  for (const address of PACED_ADDRESSES) manager.add(`c${address}`, { port, protocol: 'modbus', address });
  return manager;
}

/** Bytes, transactions and requests of one poll, counted on the in-process simulator. */
export async function trafficOfOnePoll(): Promise<PollTraffic> {
  const bus = 'paced-pty-count';
  benchSimulators.watlow.reset(bus);
  const registry = new ResourceRegistry();
  const manager = managerOn(`sim:${bus}?addresses=${PACED_ADDRESSES.join(',')}`, registry, meteredOpeners);
  const meter = portMeter(bus);
  try {
    await manager.poll(PARAMETERS);
    resetPortMeter(bus);
    meter.recordRequests = true;
    await manager.poll(PARAMETERS);
    const reads = meter.requests.map((frame) => {
      if (frame[1] !== 0x03) throw new Error(`bench: the poll sent function ${frame[1]}, not 3`);
      return { unit: frame[0]!, register: frame.readUInt16BE(2), count: frame.readUInt16BE(4) };
    });
    return {
      bytes: meter.bytesOut + meter.bytesIn,
      transactions: meter.writes,
      gapMs: resolvedInterFrameGapMs(manager.get('c1')),
      reads,
    };
  } finally {
    meter.recordRequests = false;
    await manager.close();
    await registry.closeAll();
    benchSimulators.watlow.reset(bus);
  }
}

/** The poll on an ideal line: its bytes' wire time plus, per transaction, turnaround and silence. */
export function idealPollMs(traffic: PollTraffic): { ms: number; description: string } {
  const byteMs = (10 * 1000) / PACED_BAUD;
  return {
    ms: traffic.bytes * byteMs + traffic.transactions * (PACED_TURNAROUND_MS + traffic.gapMs),
    description: `ideal line: ${traffic.bytes} bytes × 10 bits / ${PACED_BAUD} baud + ${traffic.transactions} transactions × (${PACED_TURNAROUND_MS} ms device turnaround + ${traffic.gapMs} ms inter-frame silence)`,
  };
}

export interface PacedLine {
  /** The PTY end the client opens. */
  path: string;
  stop(): Promise<void>;
}

/** A socat PTY pair with the paced simulator (the four controllers) on its far end. */
export async function startPacedLine(): Promise<PacedLine> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-bench-paced-')));
  const a = path.join(dir, 'A');
  const b = path.join(dir, 'B');
  const socat = spawnTracked('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  let sim: ReturnType<typeof spawnTracked> | undefined;
  const stop = async (): Promise<void> => {
    if (sim) await stopChild(sim);
    await stopChild(socat);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(() => fs.existsSync(a) && fs.existsSync(b), 'socat PTY links', 5000);
    const cli = path.resolve(__dirname, '..', 'src', 'sim', 'cli.js');
    sim = spawnTracked(process.execPath, [
      cli,
      'watlow',
      '--serial',
      b,
      '--addresses',
      PACED_ADDRESSES.join(','),
      '--pace',
      '--baud',
      String(PACED_BAUD),
    ]);
    await waitForOutput(sim, /ready/, 10_000);
    return { path: a, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The real opener table, with the client's end of the PTY metered (its timeline gives the split). */
function meteredRealOpeners(): Openers {
  const serial = createOpeners().streams.serial as StreamOpener;
  return createOpeners({ overrides: { streams: { serial: meteredOpener(serial, () => LINE_METER) } } });
}

/** ms of each poll of one round through the whole stack (its own registry: the port is closed after). */
async function stackRound(portPath: string, meter: PortMeter): Promise<number[]> {
  const registry = new ResourceRegistry();
  const manager = managerOn(portPath, registry, meteredRealOpeners());
  try {
    for (let i = 0; i < WARM_UP_POLLS; i++) await manager.poll(PARAMETERS);
    const times: number[] = [];
    meter.recordTimeline = true;
    for (let i = 0; i < POLLS_PER_ROUND; i++) {
      const t0 = performance.now();
      const samples = await manager.poll(PARAMETERS);
      times.push(performance.now() - t0);
      if (samples.some((s) => s.error))
        throw new Error(`poll failed: ${JSON.stringify(samples.find((s) => s.error))}`);
    }
    return times;
  } finally {
    meter.recordTimeline = false;
    await manager.close();
    await registry.closeAll();
  }
}

/** ms of each poll of one round of the rig's floor (bench/pty-floor.ts). */
async function floorRound(portPath: string, traffic: PollTraffic): Promise<number[]> {
  const meter = portMeter(FLOOR_METER);
  const loop = await openFloorLoop(portPath, PACED_BAUD, traffic.reads, traffic.gapMs, meter);
  try {
    for (let i = 0; i < WARM_UP_POLLS; i++) await loop.poll();
    const times: number[] = [];
    meter.recordTimeline = true;
    for (let i = 0; i < POLLS_PER_ROUND; i++) times.push(await loop.poll());
    return times;
  } finally {
    meter.recordTimeline = false;
    await loop.close();
  }
}

export const pacedPtyScenario: Scenario = {
  id: 's8',
  title: 'paced Modbus RTU on a real PTY (simulator pacing bytes at 38400 baud)',
  budgetMs: 60_000,
  async run() {
    const description = `Modbus poll of ${PACED_ADDRESSES.length} controllers × ${PARAMETERS.length} parameters on a socat PTY, simulator pacing bytes at ${PACED_BAUD} baud: median ms per poll`;
    const unavailable = pacedLineUnavailable();
    if (unavailable) return [skipped('s8-paced-pty-modbus', description, unavailable)];
    const traffic = await trafficOfOnePoll();
    const ideal = idealPollMs(traffic);
    const line = await startPacedLine();
    const meter = portMeter(LINE_METER);
    try {
      const times: number[] = [];
      const floorTimes: number[] = [];
      const loadBefore = loadAverage();
      resetPortMeter(LINE_METER);
      resetPortMeter(FLOOR_METER);
      // Rounds alternate (stack, floor, stack…) so that the machine's quieter and busier spells
      // fall on both alike; each round has the port to itself, as one serial port has one owner.
      for (let round = 0; round < ROUNDS; round++) {
        times.push(...(await stackRound(line.path, meter)));
        floorTimes.push(...(await floorRound(line.path, traffic)));
      }
      const split = timelineSplit(LINE_METER, traffic.gapMs);
      const floorSplit = timelineSplit(FLOOR_METER, traffic.gapMs);
      const byteMs = (10 * 1000) / PACED_BAUD;
      // Every transaction of a poll has the same turnaround; its bytes differ, so the exchange's
      // ideal is taken per poll and spread evenly (the median is what a transaction typically costs).
      const idealExchangeMs = (traffic.bytes * byteMs) / traffic.transactions + PACED_TURNAROUND_MS;
      const figure = median(times);
      const floor = median(floorTimes);
      const ratio = figure / ideal.ms;
      const us = (ms: number): number => round(ms * 1000, 0);
      const result: ScenarioResult = {
        id: 's8-paced-pty-modbus',
        description,
        figure: round(figure, 2),
        unit: 'ms/poll',
        baseline: round(ideal.ms, 2),
        baselineDescription: ideal.description,
        ratio: round(ratio, 3),
        target: `ratio <= ${TARGET_RATIO}`,
        met: ratio <= TARGET_RATIO,
        details: {
          polls: times.length,
          minMs: round(Math.min(...times), 2),
          minRatio: round(Math.min(...times) / ideal.ms, 3),
          p90Ms: round([...times].sort((x, y) => x - y)[Math.floor(times.length * 0.9)]!, 2),
          rigFloorMs: round(floor, 2),
          rigFloorRatio: round(floor / ideal.ms, 3),
          stackOverRigFloor: round(figure / floor, 3),
          stackOverheadUsPerTransaction: us((figure - floor) / traffic.transactions),
          transactionsPerPoll: traffic.transactions,
          bytesPerPoll: traffic.bytes,
          loadAverageBefore: loadBefore,
          loadAverageAfter: loadAverage(),
          exchangeOverheadUsMedian: us(median(split.exchangeDurations) - idealExchangeMs),
          exchangeOverheadUsMin: us(Math.min(...split.exchangeDurations) - idealExchangeMs),
          silenceOverheadUsMedian: us(median(split.silenceDurations) - traffic.gapMs),
          silenceOverheadUsMin: us(split.minSilenceMs - traffic.gapMs),
          floorExchangeOverheadUsMedian: us(median(floorSplit.exchangeDurations) - idealExchangeMs),
          floorSilenceOverheadUsMedian: us(median(floorSplit.silenceDurations) - traffic.gapMs),
          shortSilences: split.shortSilences,
        },
        notes:
          'rigFloor: the same frames from a bare loop (bench/pty-floor.ts: reply bytes counted, no checks, the same silence timed from the last chunk) in alternating rounds on the same line — what no client can beat on this rig; stackOverheadUsPerTransaction is the stack above it. Per transaction, medians and minima: exchange overhead = request written → last reply byte read, minus wire time and turnaround: the two PTY hops through socat and the processes waking on both ends — the measuring rig, not the line. Silence overhead = last reply byte → next request, minus the 1.75 ms the protocol asks for: the silence timer and the stack between frames (between polls too).',
      };
      return [result];
    } finally {
      meter.recordTimeline = false;
      await line.stop();
    }
  },
};

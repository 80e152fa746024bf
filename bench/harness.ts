/**
 * The benchmark harness: scenarios measure a figure and, in the same run, the baseline it is
 * judged against; the report gives both and their ratio. Speed is judged here, never in tests.
 *
 * Also: bounded loops (count and time), child processes that are always killed (even when the
 * run fails or is interrupted), and small statistics helpers.
 */
import type { SerialPort as SerialPortClass } from 'serialport';
import type { ChildProcess, SpawnOptions } from 'child_process';
import { spawn } from 'child_process';
import * as os from 'os';

export interface ScenarioResult {
  /** Short id, e.g. "stdbus-overhead". */
  id: string;
  /** What the figure means, in one sentence. */
  description: string;
  figure: number;
  unit: string;
  baseline?: number;
  baselineDescription?: string;
  /** figure / baseline (or as the scenario defines it). */
  ratio?: number;
  /** The goal, e.g. "<= 50 us" or "ratio <= 1.25". */
  target?: string;
  met?: boolean;
  /** Supporting numbers (p50/p99, counts, …). */
  details?: Record<string, number | string | boolean>;
  /** What limits the figure, when known. */
  notes?: string;
  /** Set instead of a figure when the scenario could not run (dependency missing, no socat…). */
  skipped?: string;
}

export interface Scenario {
  id: string;
  /** One line for the progress output, e.g. 'Modbus coalescing'. */
  title: string;
  /** Runs in a fresh `node --expose-gc` child (memory figures, Node-RED's module-level state). */
  isolated?: boolean;
  /** Upper bound on the scenario's wall time; it is abandoned (reported as skipped) after it. */
  budgetMs: number;
  run(): Promise<ScenarioResult[]>;
}

export function skipped(id: string, description: string, reason: string): ScenarioResult {
  return { id, description, figure: NaN, unit: '', skipped: reason };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs `fn` `count` times after `warmup` runs; returns per-call durations in µs. */
export async function timeLoop(
  count: number,
  fn: () => Promise<unknown>,
  warmup = Math.min(200, count),
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return out;
}

export interface BoundedRun {
  /** Calls completed. */
  count: number;
  /** Wall µs per call. */
  wallMicros: number;
  /** CPU (user + system) µs per call, this process only. */
  cpuMicros: number;
  /** True when the time bound, not the count, ended the run. */
  timeBound: boolean;
}

/**
 * Runs `fn` sequentially up to `count` times or until `maxMs` has passed, whichever comes first
 * (every loop of the bench is bounded in both). Returns wall and CPU time per call.
 */
export async function boundedRun(
  count: number,
  maxMs: number,
  fn: () => Promise<unknown>,
): Promise<BoundedRun> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = Number(t0) / 1e6 + maxMs;
  let done = 0;
  let timeBound = false;
  while (done < count) {
    await fn();
    done++;
    // Checking the clock every call costs ~50 ns; negligible next to a transaction.
    if (Number(process.hrtime.bigint()) / 1e6 > deadline) {
      timeBound = done < count;
      break;
    }
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    count: done,
    wallMicros: wall / Math.max(1, done),
    cpuMicros: (cpu.user + cpu.system) / Math.max(1, done),
    timeBound,
  };
}

/** Wall and CPU time per call of one bounded batch, µs. */
export interface CallCost {
  wallUs: number;
  cpuUs: number;
}

/** A message-rate figure against its baseline: both per second from their wall µs per call, and the ratio of their times. */
export function ratePerSecond(
  figure: CallCost,
  baseline: CallCost,
  unit: string,
): Pick<ScenarioResult, 'figure' | 'unit' | 'baseline' | 'ratio'> {
  return {
    figure: round(1e6 / figure.wallUs, 0),
    unit,
    baseline: round(1e6 / baseline.wallUs, 0),
    ratio: round(figure.wallUs / baseline.wallUs, 3),
  };
}

/** `boundedRun` as wall and CPU µs per call. */
async function callCost(count: number, maxMs: number, fn: () => Promise<unknown>): Promise<CallCost> {
  const run = await boundedRun(count, maxMs, fn);
  return { wallUs: run.wallMicros, cpuUs: run.cpuMicros };
}

/** The median wall and the median CPU time of several batches. */
function medianCost(batches: readonly CallCost[]): CallCost {
  return { wallUs: median(batches.map((b) => b.wallUs)), cpuUs: median(batches.map((b) => b.cpuUs)) };
}

/**
 * Warms each path up with one batch, then runs `rounds` rounds of one batch per path in turn
 * (A B C A B C …, so drift hits all alike); returns each path's median wall and CPU µs per call.
 */
export async function alternateCosts<K extends string>(
  rounds: number,
  perBatch: number,
  maxMs: number,
  paths: Record<K, () => Promise<unknown>>,
): Promise<Record<K, CallCost>> {
  const names = Object.keys(paths) as K[];
  const batches = {} as Record<K, CallCost[]>;
  for (const name of names) {
    await callCost(perBatch, maxMs, paths[name]);
    batches[name] = [];
  }
  for (let r = 0; r < rounds; r++)
    for (const name of names) batches[name].push(await callCost(perBatch, maxMs, paths[name]));
  const out = {} as Record<K, CallCost>;
  for (const name of names) out[name] = medianCost(batches[name]);
  return out;
}

/** Per-call µs of up to `count` sequential calls, stopping once `maxMs` have passed. */
export async function timeEach(count: number, maxMs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  const deadline = Date.now() + maxMs;
  while (out.length < count && Date.now() < deadline) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** A serial port opened with plain serialport for a bare baseline loop (no lock: the bench owns the PTY). */
export async function openBarePort(path: string, baudRate = 38400): Promise<SerialPortClass> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => undefined);
  return port;
}

export function closeBarePort(port: SerialPortClass): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

/**
 * Waits until `at` (performance.now() ms) to the sub-millisecond, as the library keeps an
 * inter-frame silence: whole milliseconds on a timer, the rest a turn of the event loop at a time.
 */
export async function waitUntilMs(at: number): Promise<void> {
  for (let left = at - performance.now(); left > 0; left = at - performance.now()) {
    await new Promise<void>((resolve) =>
      left >= 1 ? setTimeout(resolve, Math.floor(left)) : setImmediate(resolve),
    );
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 5 ms; rejects with `what` after `capMs`. */
export async function until(predicate: () => boolean, what: string, capMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > capMs) throw new Error(`timed out after ${capMs} ms waiting for ${what}`);
    await sleepMs(5);
  }
}

/** Rejects after `ms` (the timer does not keep the process alive). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- child processes: always cleaned up ---------------------------------------------------------

const children = new Set<ChildProcess>();
let exitHooksInstalled = false;

/** Kills every child still running (SIGTERM, then SIGKILL for the stubborn). Synchronous. */
export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Spawns a child that is killed when the bench exits, however it exits. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  installExitHooks();
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // A child's output streams are drained so a chatty child never blocks on a full pipe.
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  return child;
}

/** Stops one child we started: SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    try {
      child.kill('SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Resolves with the first match of `pattern` on the child's stdout (or stderr); rejects on exit or timeout. */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: string): void => {
      seen += chunk;
      const m = pattern.exec(seen);
      if (m) finish(undefined, m);
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`child exited (${code}) before printing ${pattern}: ${seen.slice(-400)}`));
    const timer = setTimeout(
      () => finish(new Error(`child did not print ${pattern} within ${timeoutMs} ms: ${seen.slice(-400)}`)),
      timeoutMs,
    );
    const finish = (err?: Error, m?: RegExpMatchArray): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Wire time of one transaction at `baud` (10 bits a byte), ms. */
export function wireMs(bytes: number, baud: number): number {
  return (bytes * 10 * 1000) / baud;
}

/** `global.gc` when run with --expose-gc (the isolated scenarios are). */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

/** Counts of process.getActiveResourcesInfo() by kind, e.g. { Timeout: 2, TCPSocketWrap: 1 }. */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/**
 * The inter-frame gap a Watlow controller's line actually uses (the library's default, derived
 * from protocol and baud rate, unless one was passed). Read off the controller: the bench reports
 * the value in force rather than restating the library's rule.
 */
export function resolvedInterFrameGapMs(controller: object): number {
  // The line sits under the controller's protocol client: the Std Bus client's FramedLine, or the
  // RTU link of the Modbus client (private fields, read here for the figure's baseline only).
  type Timed = { options?: { interFrameGapMs?: unknown } };
  const client = (controller as { client?: { line?: Timed; modbus?: { link?: Timed } } }).client;
  const line = client?.line ?? client?.modbus?.link ?? (controller as { line?: Timed }).line;
  const gap = line?.options?.interFrameGapMs;
  if (typeof gap !== 'number') throw new Error('bench: cannot read the controller line’s inter-frame gap');
  return gap;
}

/** The machine's 1, 5 and 15 minute load averages, for the report (the machine may be shared). */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/**
 * Real serial ports for integration tests and the benchmark — the one PTY / socat helper: a PTY
 * pair made by socat, an echo server or the simulator CLI on one end, a child process that holds a
 * port (serial lock), and a request/reply helper. Linux/macOS only; see `requireSocat` for how a
 * missing socat is handled (fails under CI, skips elsewhere). Every process started here is
 * stopped by its own handle (by pid), never by name.
 */
import { spawn, spawnSync } from 'child_process';
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TestContext } from 'node:test';
import type { SerialPort as SerialPortClass } from 'serialport';
import type { ByteStream } from '../../src/transport/types';

let socatChecked: boolean | undefined;

export function socatAvailable(): boolean {
  if (socatChecked === undefined) {
    const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
    socatChecked = r.error === undefined && r.status === 0;
  }
  return socatChecked;
}

/**
 * True when PTY tests can run. Without socat: under CI=true the test FAILS (CI must install it);
 * elsewhere it is skipped with a reason. Use as `if (!requireSocat(t)) return;`.
 */
export function requireSocat(t: TestContext): boolean {
  if (socatAvailable()) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      'socat is not installed, but CI=true: PTY integration tests must run in CI (apt-get install -y socat)',
    );
  }
  t.skip('socat not installed');
  return false;
}

export function makeTempDir(prefix = 'labbench-pty-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

async function waitUntil(
  cond: () => boolean,
  what: string,
  timeoutMs: number,
  failFast?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    const failure = failFast?.();
    if (failure) throw new Error(`${what}: ${failure}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `socat -d -d pty,raw,echo=0,link=<dir>/A pty,raw,echo=0,link=<dir>/B`, restartable with the same links. */
export class PtyPair {
  private proc: ChildProcess | undefined;
  private stderr = '';
  private exited = false;
  readonly a: string;
  readonly b: string;

  private constructor(
    readonly dir: string,
    names: [string, string],
  ) {
    this.a = path.join(dir, names[0]);
    this.b = path.join(dir, names[1]);
  }

  static async start(dir: string, names: [string, string] = ['A', 'B']): Promise<PtyPair> {
    const pair = new PtyPair(dir, names);
    await pair.startProcess();
    return pair;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && !this.exited;
  }

  /** The /dev/pts/N each link points to now. */
  targets(): [string, string] {
    return [fs.realpathSync(this.a), fs.realpathSync(this.b)];
  }

  private async startProcess(): Promise<void> {
    // Stale links (after SIGKILL) would look ready before socat has made the new ones.
    for (const p of [this.a, this.b]) fs.rmSync(p, { force: true });
    this.stderr = '';
    this.exited = false;
    const proc = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.proc = proc;
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    proc.on('exit', () => (this.exited = true));
    proc.on('error', (err) => {
      this.exited = true;
      this.stderr += String(err);
    });
    await waitUntil(
      () => fs.existsSync(this.a) && fs.existsSync(this.b),
      'socat PTY pair',
      5000,
      () => (this.exited ? `socat exited: ${this.stderr}` : undefined),
    );
  }

  /** Kills socat (the "cable" of both ends) and waits for it to exit. SIGKILL leaves dangling links. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc || this.exited) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  }

  /** A new socat with the same link names (the device is plugged back in). */
  async restart(): Promise<void> {
    await this.stop();
    await this.startProcess();
  }
}

type SerialPortCtor = typeof SerialPortClass;

async function serialPortClass(): Promise<SerialPortCtor> {
  return (await import('serialport')).SerialPort;
}

/** The instrument on the other end: echoes every byte back. Tolerates its PTY dying. */
export async function startEcho(portPath: string): Promise<{ close(): Promise<void>; received(): number }> {
  const SerialPort = await serialPortClass();
  const port = new SerialPort({ path: portPath, baudRate: 38400, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let received = 0;
  port.on('data', (d: Buffer) => {
    received += d.length;
    if (port.isOpen) port.write(d);
  });
  port.on('error', () => undefined);
  return {
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

/**
 * Another program holding the port: a child node process opens it with serialport's lock (flock)
 * and keeps it until killed or until our stdin closes.
 */
export async function holdPortInChild(portPath: string): Promise<{ kill(): Promise<void>; pid: number }> {
  const script = `
    const { SerialPort } = require(process.argv[1]);
    const p = new SerialPort({ path: process.argv[2], baudRate: 38400, autoOpen: false, lock: true });
    p.open((err) => {
      if (err) { process.stdout.write('ERR ' + err.message + '\\n'); process.exit(1); }
      process.stdout.write('ready\\n');
    });
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['-e', script, require.resolve('serialport'), portPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let exited = false;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.on('exit', () => (exited = true));
  await waitUntil(
    () => out.includes('ready'),
    'child holding the port',
    5000,
    () => (out.includes('ERR') || exited ? `child failed: ${out}` : undefined),
  );
  return {
    pid: child.pid!,
    kill: async () => {
      if (exited) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** Writes `request` and resolves with the first `request.length` bytes that come back. */
export function roundTrip(stream: ByteStream, request: Buffer, signal?: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const finish = (err: unknown, value?: Buffer): void => {
      off();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value!);
    };
    const off = stream.onData((chunk) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= request.length) finish(undefined, Buffer.concat(chunks).subarray(0, request.length));
    });
    const onAbort = (): void => finish(signal?.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.write(request).catch((err: unknown) => finish(err));
  });
}

/** File descriptors of this process that point at PTY slaves (Linux): proves handles are not leaked. */
export function openPtyFds(): string[] {
  const dir = '/proc/self/fd';
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const fd of fs.readdirSync(dir)) {
    try {
      const target = fs.readlinkSync(path.join(dir, fd));
      if (target.startsWith('/dev/pts/')) out.push(target);
    } catch {
      // fd closed while listing
    }
  }
  return out.sort();
}

export type Cleanups = (() => Promise<void> | void)[];

/**
 * The common set-up of a PTY test: a temporary folder, a socat pair in it and an echo server on
 * end B, each registered in `cleanups` (run in reverse order after the test file).
 */
export async function ptyWithEcho(
  cleanups: Cleanups,
): Promise<{ dir: string; pair: PtyPair; echo: Awaited<ReturnType<typeof startEcho>> }> {
  const dir = makeTempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pair = await PtyPair.start(dir);
  cleanups.push(() => pair.stop());
  const echo = await startEcho(pair.b);
  cleanups.push(() => echo.close());
  return { dir, pair, echo };
}

export interface SimulatorProcess {
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs the simulator CLI (`labbench-sim <args>`, compiled: dist/src/sim/cli.js) in a child process
 * and waits for its ready line, e.g. `startSimulatorCli(['watlow', '--serial', pair.b])`.
 */
export async function startSimulatorCli(args: string[]): Promise<SimulatorProcess> {
  const entry = path.resolve(__dirname, '..', '..', 'src', 'sim', 'cli.js');
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited = false;
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.on('exit', () => (exited = true));
  const stop = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await gone;
  };
  try {
    await waitUntil(
      () => /ready/.test(out),
      'simulator ready line',
      10_000,
      () => (exited ? `simulator exited: ${out}` : undefined),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, output: () => out, stop };
}

/**
 * PTY fixtures for the Watlow integration test: a socat pseudo-terminal pair and the simulator CLI
 * running in a child process on one end. Every process started here is stopped by its own handle
 * (by pid), never by name.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function socatAvailable(): boolean {
  const probe = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface PtyPair {
  /** The client end. */
  a: string;
  /** The simulator end. */
  b: string;
  socat: ChildProcess;
  stop(): Promise<void>;
}

export async function startPtyPair(): Promise<PtyPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-watlow-pty-'));
  const a = path.join(dir, 'A');
  const b = path.join(dir, 'B');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  socat.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    await waitFor(
      () => fs.existsSync(a) && fs.existsSync(b) && /starting data transfer loop/.test(log),
      'socat PTY pair',
    );
  } catch (err) {
    await stop(socat);
    throw new Error(`${(err as Error).message}; socat said: ${log}`);
  }
  return {
    a,
    b,
    socat,
    async stop() {
      await stop(socat);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SimulatorProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `node dist/src/sim/watlow/cli-entry.js <args>` and waits for its ready line. */
export async function startSimulatorCli(args: string[]): Promise<SimulatorProcess> {
  const entry = path.resolve(__dirname, '..', '..', 'src', 'sim', 'watlow', 'cli-entry.js');
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    await waitFor(() => /ready on/.test(out) || child.exitCode !== null, 'simulator ready line');
    if (child.exitCode !== null) throw new Error(`simulator exited: ${out}`);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { child, output: () => out, stop: () => stop(child) };
}

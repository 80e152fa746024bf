/**
 * A real Node-RED runtime in a child process (node-red-child.ts) with its own temp userDir and
 * flow file; the parent injects messages into nodes and waits for what watched nodes receive.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopProcess } from './broker';

export type Flow = Array<Record<string, unknown> & { id: string; type: string }>;

interface ChildMessage {
  type: 'started' | 'received';
  node?: string;
  msg?: Record<string, unknown>;
}

export class ChildRuntime {
  private readonly events = new EventEmitter();
  private readonly received: Array<{ node: string; msg: Record<string, unknown> }> = [];
  private output = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly userDir: string,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'received') this.received.push({ node: m.node!, msg: m.msg! });
      this.events.emit(m.type, m);
    });
    child.on('exit', () => this.events.emit('exit'));
  }

  /** Writes the flow into a fresh userDir, starts the runtime and resolves once flows run. */
  static async start(name: string, flow: Flow, watch: string[], timeoutMs = 30_000): Promise<ChildRuntime> {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `labbench-nr-${name}-`));
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
    const child = fork(path.join(__dirname, 'node-red-child.js'), [], {
      env: { ...process.env, LABBENCH_USERDIR: userDir, LABBENCH_WATCH: watch.join(',') },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const runtime = new ChildRuntime(name, child, userDir);
    await runtime.next('started', () => true, `${name} started`, timeoutMs);
    return runtime;
  }

  private next(event: string, match: (m: ChildMessage) => boolean, what: string, timeoutMs: number) {
    return new Promise<ChildMessage>((resolve, reject) => {
      const done = (err?: Error, m?: ChildMessage) => {
        clearTimeout(timer);
        this.events.off(event, onEvent);
        this.events.off('exit', onExit);
        if (err) reject(err);
        else resolve(m!);
      };
      const onEvent = (m: ChildMessage) => match(m) && done(undefined, m);
      const onExit = () => done(new Error(`${this.name} exited before: ${what}\n${this.output}`));
      const timer = setTimeout(
        () => done(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.output}`)),
        timeoutMs,
      );
      this.events.on(event, onEvent);
      this.events.on('exit', onExit);
    });
  }

  /** The first message (past or future) the watched node received that matches. */
  async receivedBy(
    node: string,
    what: string,
    match: (msg: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>> {
    const seen = this.received.find((r) => r.node === node && match(r.msg));
    if (seen) return seen.msg;
    const m = await this.next('received', (r) => r.node === node && match(r.msg!), what, timeoutMs);
    return m.msg!;
  }

  /** The node receives msg, as from the widget wired to it. */
  inject(node: string, msg: Record<string, unknown>): void {
    this.child.send({ type: 'inject', node, msg });
  }

  /** A graceful stop (Node-RED closes its nodes), resolved when the process has exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.send({ type: 'stop' });
      await exited;
      clearTimeout(timer);
    }
  }

  /** The host dies: no close, no DISCONNECT packet; the broker sends the last will. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Ends the process whatever its state and removes its userDir. Never throws. */
  async dispose(): Promise<void> {
    await stopProcess(this.child, 2000);
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}

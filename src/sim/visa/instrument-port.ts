/**
 * The instrument side shared by the protocol simulators: program-message bytes go in, the model
 * executes each message in order, and response messages queue up as an output buffer that the
 * protocol reads from (a whole line over TCP, up to N bytes with END over VXI-11 / USBTMC).
 */
import { modelReplyBytes } from '../../visa/types';
import type { ScpiDeviceModel, ScpiModelReply } from '../../visa/types';

export class SimInstrumentPort {
  private pendingInput = '';
  private readonly output: Buffer[] = [];
  private outputOffset = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Bumped by device clear: replies of messages executed before it are dropped. */
  private generation = 0;
  private readonly waiters = new Set<(ready: boolean) => void>();
  private faultListener: ((err: unknown) => void) | undefined;
  private outputListener: (() => void) | undefined;
  private closed = false;

  constructor(readonly model: ScpiDeviceModel) {}

  /** Called once when the model throws (simulated unplug). */
  onFault(listener: (err: unknown) => void): void {
    this.faultListener = listener;
  }

  /** Called whenever a response message is queued (stream servers push it out at once). */
  onOutput(listener: () => void): void {
    this.outputListener = listener;
  }

  get connected(): boolean {
    return this.model.isConnected ? this.model.isConnected() !== false : true;
  }

  /**
   * Program-message bytes from the host. LF ends a message; so does `end` (END / EOM, which
   * IEEE 488.2 also accepts as a terminator).
   */
  input(bytes: Buffer, end: boolean): void {
    if (this.closed) return;
    this.pendingInput += bytes.toString('latin1');
    const lines = this.pendingInput.split('\n');
    this.pendingInput = lines.pop() ?? '';
    if (end && this.pendingInput !== '') {
      lines.push(this.pendingInput);
      this.pendingInput = '';
    }
    for (const line of lines) {
      const message = line.replace(/\r$/, '');
      if (message.trim() === '') continue;
      const generation = this.generation;
      this.chain = this.chain.then(() => this.execute(message, generation));
    }
  }

  private async execute(message: string, generation: number): Promise<void> {
    if (this.closed) return;
    let reply: ScpiModelReply;
    try {
      reply = await this.model.execute(message);
    } catch (err) {
      const listener = this.faultListener;
      this.faultListener = undefined;
      try {
        listener?.(err);
      } catch {
        // never let a simulator listener throw into the promise chain
      }
      return;
    }
    if (reply === null || generation !== this.generation || this.closed) return;
    this.output.push(modelReplyBytes(reply));
    for (const wake of [...this.waiters]) wake(true);
    try {
      this.outputListener?.();
    } catch {
      // a server's socket write failing is the socket's business, not the model's
    }
  }

  get hasOutput(): boolean {
    return this.output.length > 0;
  }

  /** Resolves true when output is available, false after `timeoutMs` or on `cancel`. */
  waitForOutput(timeoutMs: number): { ready: Promise<boolean>; cancel(): void } {
    if (this.hasOutput) return { ready: Promise.resolve(true), cancel: () => undefined };
    let finish: (v: boolean) => void = () => undefined;
    const ready = new Promise<boolean>((resolve) => {
      const wake = (v: boolean): void => done(v);
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      const done = (v: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(v);
      };
      finish = done;
      this.waiters.add(wake);
    });
    return { ready, cancel: () => finish(false) };
  }

  /** Up to `max` bytes of the oldest response; `end` when they finish that response message. */
  take(max: number): { data: Buffer; end: boolean } {
    const head = this.output[0];
    if (!head) return { data: Buffer.alloc(0), end: false };
    const data = head.subarray(this.outputOffset, this.outputOffset + Math.max(0, max));
    this.outputOffset += data.length;
    const end = this.outputOffset >= head.length;
    if (end) {
      this.output.shift();
      this.outputOffset = 0;
    }
    return { data, end };
  }

  /** Device clear: drop input, output and replies still being computed; reset the model's parser. */
  clear(): void {
    this.generation++;
    this.pendingInput = '';
    this.output.length = 0;
    this.outputOffset = 0;
    this.model.deviceClear();
  }

  close(): void {
    this.closed = true;
    this.generation++;
    for (const wake of [...this.waiters]) wake(false);
    this.waiters.clear();
  }
}

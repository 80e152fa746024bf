/**
 * Scriptable stand-ins for OS handles, for registry tests: every open and close is written to a
 * shared event log, so a test can assert counts and the order of events (close before reopen).
 */
import type { Closeable } from '../../src/core/registry';

/** An error shaped like the ones the OS / serialport / net give (`code` set). */
export function osError(code: string, message = `${code}: simulated failure`): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(message);
  err.code = code;
  return err;
}

export class FakeHandle implements Closeable {
  closed = false;
  closeCalls = 0;
  private readonly closeListeners = new Set<(err?: Error) => void>();

  constructor(
    readonly id: number,
    private readonly log: string[],
    private readonly closeError?: Error,
  ) {}

  /** Closing takes a moment, like a real port: `close#n` is logged when the close has completed. */
  async close(): Promise<void> {
    this.closeCalls++;
    await new Promise<void>((r) => setImmediate(r));
    this.log.push(`close#${this.id}`);
    this.closed = true;
    if (this.closeError) throw this.closeError;
  }

  onClose(listener: (err?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  get closeListenerCount(): number {
    return this.closeListeners.size;
  }

  /** The device dies between transactions: like a serial port's 'close' after unplug. */
  die(err?: Error): void {
    for (const l of [...this.closeListeners]) l(err);
  }
}

/** What the next open attempt does: succeed, or throw the given error. */
export type OpenStep = 'ok' | Error;

/**
 * An `open` function for ResourceSpec. Steps are consumed one per attempt; when they run out,
 * attempts succeed (or repeat `fallback`).
 */
export class FakeOpener {
  readonly handles: FakeHandle[] = [];
  attempts = 0;
  /** clock time (or whatever `now` returns) of each attempt */
  readonly attemptTimes: number[] = [];
  private readonly steps: OpenStep[];

  constructor(
    readonly log: string[],
    options: {
      steps?: OpenStep[];
      fallback?: OpenStep;
      now?: () => number;
      closeError?: (id: number) => Error | undefined;
    } = {},
  ) {
    this.steps = [...(options.steps ?? [])];
    this.fallback = options.fallback ?? 'ok';
    this.now = options.now ?? (() => 0);
    this.closeError = options.closeError ?? (() => undefined);
  }

  private readonly fallback: OpenStep;
  private readonly now: () => number;
  private readonly closeError: (id: number) => Error | undefined;

  /** Scripts further attempts. */
  push(...steps: OpenStep[]): void {
    this.steps.push(...steps);
  }

  get opens(): number {
    return this.handles.length;
  }

  get last(): FakeHandle | undefined {
    return this.handles[this.handles.length - 1];
  }

  readonly open = async (): Promise<FakeHandle> => {
    this.attempts++;
    this.attemptTimes.push(this.now());
    const step = this.steps.length > 0 ? this.steps.shift()! : this.fallback;
    if (step !== 'ok') {
      this.log.push(`open-failed:${(step as NodeJS.ErrnoException).code ?? step.message}`);
      throw step;
    }
    const id = this.handles.length + 1;
    const handle = new FakeHandle(id, this.log, this.closeError(id));
    this.handles.push(handle);
    this.log.push(`open#${id}`);
    return handle;
  };
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise chains run (setImmediate runs after the microtask queue drains). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Captures the outcome of a promise without letting a rejection go unhandled. */
export function outcome<T>(p: Promise<T>): {
  settled: boolean;
  value?: T;
  error?: unknown;
  done: Promise<void>;
} {
  const o: { settled: boolean; value?: T; error?: unknown; done: Promise<void> } = {
    settled: false,
    done: Promise.resolve(),
  };
  o.done = p.then(
    (v) => {
      o.settled = true;
      o.value = v;
    },
    (e: unknown) => {
      o.settled = true;
      o.error = e;
    },
  );
  return o;
}

/**
 * A watchdog, not a timing assertion: fails the test if `p` has not settled after `ms` of real
 * time, instead of letting a hung promise hang the whole run.
 */
export async function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms (hung)`)), ms);
  });
  try {
    return await Promise.race([p, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

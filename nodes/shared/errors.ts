/**
 * The one place where a failure becomes a Node-RED error: every input failure goes through
 * `done(err)` exactly once, with a `LabbenchError` carrying its `code` (Node-RED 4.1+ copies it
 * into `msg.error.code` in Catch); failures between messages (monitors, interval polls) go through
 * `node.error(err, msg)` with a message object so Catch sees them too. Nothing here throws, and no
 * promise is left to reject unhandled.
 */
import type { Node, NodeMessage, NodeMessageInFlow } from 'node-red';
import { sleep, toLabbenchError, type Clock, type LabbenchError } from '../../src/core';
import { withNodeRedAdvice } from './advice';

export type Done = (err?: Error) => void;
export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
export type InputHandler = (msg: NodeMessageInFlow, send: Send) => Promise<void> | void;

/**
 * Reports a failure that happened between messages (a monitor or interval tick) so that Catch
 * nodes see it: `node.error(err, msg)` with a message object is the catchable form.
 */
export function reportError(node: Node, err: unknown, msg: Record<string, unknown>): LabbenchError {
  const e = withNodeRedAdvice(toLabbenchError(err));
  try {
    node.error(e, msg);
  } catch {
    // never throw out of a timer callback
  }
  return e;
}

export interface InputRunnerOptions {
  clock: Clock;
  /** Extra details for the mapped error (`resource`, `action`). */
  context?: () => { resource?: string; action?: string };
  /** Called with every mapped failure before `done(err)` (the node shows it as its status). */
  onError?: (err: LabbenchError) => void;
}

/**
 * Attaches the node's input handler. The handler may be async; whatever it throws or rejects
 * with is mapped once and handed to `done(err)`. Pending handlers are tracked so `close` can wait
 * for them (a redeploy then loses no queued message).
 */
export class InputRunner {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    node: Node,
    private readonly handler: InputHandler,
    private readonly options: InputRunnerOptions,
  ) {
    // Declared with three parameters: Node-RED counts done-calls only for 3-argument listeners.
    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => this.run(msg, send, done));
  }

  get busy(): number {
    return this.pending.size;
  }

  private run(msg: NodeMessageInFlow, send: Send, done: Done): void {
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      try {
        if (err === undefined) {
          done();
        } else {
          const e = withNodeRedAdvice(toLabbenchError(err, this.options.context?.() ?? {}));
          try {
            this.options.onError?.(e);
          } catch {
            // a status update must never turn a failure into a crash
          }
          done(e);
        }
      } catch {
        // done() itself failing must not escape into the event loop
      }
    };
    let result: Promise<void>;
    try {
      result = Promise.resolve(this.handler(msg, send));
    } catch (err) {
      result = Promise.reject(err);
    }
    const tracked = result.then(
      () => finish(),
      (err: unknown) => finish(err ?? new Error('failed')),
    );
    this.pending.add(tracked);
    void tracked.then(() => this.pending.delete(tracked));
  }

  /** Resolves when every message received so far has been answered (or after `capMs`). */
  async drain(capMs = 10_000): Promise<void> {
    await settleWithin(this.options.clock, [...this.pending], capMs);
  }
}

/** Waits for `work` to settle, or for `capMs` on `clock`, whichever comes first. Never rejects. */
export async function settleWithin(clock: Clock, work: Promise<unknown>[], capMs: number): Promise<void> {
  if (work.length === 0) return;
  const abort = new AbortController();
  await Promise.race([Promise.allSettled(work), sleep(clock, capMs, abort.signal).catch(() => undefined)]);
  abort.abort();
}

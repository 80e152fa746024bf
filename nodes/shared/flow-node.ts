/**
 * The one lifecycle of every flow node (watlow-poll, watlow-write, keithley-supply/-battery,
 * labbench-cache-clear, and the nodes to come):
 *
 *   register with the config node(s) → initial status → run each input → (optional) periodic work
 *   → on close: stop the periodic work, drain what is in flight, deregister.
 *
 * Rules it keeps for every node:
 *  - every input message ends in exactly one output or exactly one Catch (`done(err)`, through
 *    InputRunner); a node whose properties are invalid fails every message with that error;
 *  - periodic work (monitor, interval poll) never overlaps itself: a tick that finds the previous
 *    one (or a busy input, if told) still running is skipped and counted;
 *  - a failure repeating on every tick reaches Catch once (`node.error(err, msg)`), with one stable
 *    status; when it clears, the status says so and, if asked, a recovery message is sent;
 *  - `close` never throws: it stops the ticks, runs `onClose` work, waits (bounded) for messages
 *    and ticks in flight, runs `onDrained` work, deregisters, then calls `done`.
 *
 * Time comes from the injected clock (`RED.settings.labbench.clock`, the system clock otherwise),
 * so node tests drive ticks and drain caps with a FakeClock instead of sleeping.
 */
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import {
  systemClock,
  toLabbenchError,
  type Clock,
  type LabbenchError,
  type TimerHandle,
} from '../../src/core';
import type { ResourceState } from '../../src/core';
import { InputRunner, reportError, settleWithin, type InputHandler } from './errors';
import { translator, type Translate } from './i18n';
import { statusForState, type UserNode } from './lease-keeper';
import { idle, problem, ready, reasonFor } from './status';

/** Upper bound on waiting for messages and ticks in flight when the node closes. */
export const DRAIN_CAP_MS = 10_000;

/** What a flow node needs of a lease-holding config node (labbench-watlow, labbench-visa). */
export interface UserConfig {
  id: string;
  register(node: UserNode): void;
  deregister(node: { id: string }, removed: boolean): void;
}

/** The clock the nodes use: `settings.labbench.clock` when a runtime (or a test) gives one. */
export function clockOf(RED: NodeAPI): Clock {
  try {
    const given = (RED.settings as unknown as { labbench?: { clock?: Clock } }).labbench?.clock;
    if (given && typeof given.setTimeout === 'function') return given;
  } catch {
    // a settings object without the property
  }
  return systemClock;
}

export interface FlowNodeOptions {
  RED: NodeAPI;
  node: Node;
  /** The node type: its catalogue and the prefix of its own text keys. */
  type: string;
  /** The error found while parsing the node's properties: shown at deploy, every message fails with it. */
  propertyError?: LabbenchError;
  /**
   * The config node named in the properties: omitted when the node has none (or finds its config
   * nodes per message and calls `use`), `null` when one is named but missing or disabled.
   */
  config?: UserConfig | null;
  /** Text key shown (red ring) when `config` is null, e.g. `common.status.noController`. */
  missingConfigText?: string;
  /** Details added to mapped input errors (`resource`). */
  errorContext?: () => { resource?: string };
}

/** What a recovery message (and a recovery status) is built from. */
export interface Recovery {
  /** The failure that cleared. */
  code: string;
  message: string;
  /** Clock time of the first failing tick, ms. */
  since: number;
  /** How many ticks failed in a row. */
  failures: number;
}

export interface RepeatOptions {
  /** One tick's work; the node sends and shows its result itself. Rejects with the failure. */
  run(): Promise<void>;
  /** The message a failure reaches Catch with (`node.error(err, msg)`). */
  failureMessage(err: LabbenchError): Record<string, unknown>;
  /**
   * The status for a failure (default: red ring with the short reason of its code); undefined when
   * the tick has shown it already. Keep it the same for the same condition on every tick.
   */
  failureStatus?(err: LabbenchError): NodeStatus | undefined;
  /** Sent once when a reported failure clears; return undefined to send nothing. */
  recoveryMessage?(recovery: Recovery): NodeMessage | undefined;
  /** Other work that counts as overlap (an input poll in flight): the tick is skipped. */
  busy?(): boolean;
  /** First tick on the next turn instead of after one period. Default true. */
  immediate?: boolean;
}

interface FailureRun {
  signature: string;
  err: LabbenchError;
  since: number;
  count: number;
}

/** Periodic work of one node: fixed rate, never overlapping, failures reported once per run. */
export class Repeater {
  private timer: TimerHandle | undefined;
  private periodMs = 0;
  private nextDue = 0;
  private active = false;
  private current: Promise<void> | undefined;
  private failure: FailureRun | undefined;
  private skippedNow = 0;
  private skippedAll = 0;

  constructor(
    private readonly flow: FlowNode,
    private readonly options: RepeatOptions,
  ) {}

  get running(): boolean {
    return this.active;
  }

  /** Ticks skipped while the current (or last) tick ran: what a status note shows. */
  get skipped(): number {
    return this.skippedNow;
  }

  /** Every tick skipped since the node started. */
  get skippedTotal(): number {
    return this.skippedAll;
  }

  get failing(): boolean {
    return this.failure !== undefined;
  }

  /** The tick in flight, if any (close waits for it). */
  get inFlight(): Promise<void> | undefined {
    return this.current;
  }

  /** Starts (or restarts with a new period) the ticks. */
  start(periodMs: number): void {
    if (this.flow.closing) return;
    this.stopTimer();
    this.active = true;
    this.periodMs = periodMs;
    const clock = this.flow.clock;
    this.nextDue = clock.now() + (this.options.immediate === false ? periodMs : 0);
    this.schedule();
  }

  /** Stops the ticks; a tick in flight finishes, but its result is neither shown nor sent. */
  stop(): void {
    this.active = false;
    this.stopTimer();
    this.failure = undefined;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.flow.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const clock = this.flow.clock;
    this.timer = clock.setTimeout(
      () => {
        this.timer = undefined;
        if (!this.active || this.flow.closing) return;
        // Fixed rate; after a stall (a blocked event loop) resume from now rather than in a burst.
        this.nextDue = Math.max(this.nextDue + this.periodMs, clock.now());
        this.schedule();
        this.tick();
      },
      Math.max(0, this.nextDue - clock.now()),
    );
  }

  private tick(): void {
    if (this.current || this.options.busy?.()) {
      this.skippedNow++;
      this.skippedAll++;
      return;
    }
    this.skippedNow = 0;
    let work: Promise<void>;
    try {
      work = Promise.resolve(this.options.run());
    } catch (err) {
      work = Promise.reject(err);
    }
    const settled = work.then(
      () => this.succeeded(),
      (err: unknown) => this.failed(err),
    );
    this.current = settled;
    void settled.then(() => {
      if (this.current === settled) this.current = undefined;
    });
  }

  private succeeded(): void {
    const run = this.failure;
    this.failure = undefined;
    if (!run || !this.active || this.flow.closing) return;
    const recovery: Recovery = {
      code: run.err.code,
      message: run.err.message,
      since: run.since,
      failures: run.count,
    };
    this.flow.showRecovered();
    try {
      const msg = this.options.recoveryMessage?.(recovery);
      if (msg) this.flow.node.send(msg);
    } catch {
      // never throw out of a timer callback
    }
  }

  private failed(err: unknown): void {
    if (!this.active || this.flow.closing) return;
    const e = toLabbenchError(err);
    // The resource closing under a redeploy is not a fault of the device.
    if (e.code === 'E_CLOSED') return;
    const status = this.options.failureStatus
      ? this.options.failureStatus(e)
      : problem(reasonFor(this.flow.t, e.code));
    if (status) this.flow.show(status);
    const signature = `${e.code}:${e.message}`;
    if (this.failure && this.failure.signature === signature) {
      this.failure.count++;
      return;
    }
    this.failure = { signature, err: e, since: this.flow.clock.now(), count: 1 };
    try {
      reportError(this.flow.node, e, this.options.failureMessage(e));
    } catch {
      // never throw out of a timer callback
    }
  }
}

/** The lifecycle helper one flow node is built on (see the file comment). */
export class FlowNode {
  readonly t: Translate;
  readonly clock: Clock;
  readonly node: Node;
  private isClosing = false;
  private readonly configs = new Map<string, UserConfig>();
  private runner: InputRunner | undefined;
  private readonly repeaters: Repeater[] = [];
  private readonly cleanups: (() => void)[] = [];
  private readonly afterDrain: ((removed: boolean) => void | Promise<void>)[] = [];
  private lastStatus: NodeStatus | undefined;
  private readonly propertyError: LabbenchError | undefined;
  private readonly errorContext: (() => { resource?: string }) | undefined;

  constructor(options: FlowNodeOptions) {
    this.node = options.node;
    this.t = translator(options.RED, options.type);
    this.clock = clockOf(options.RED);
    this.propertyError = options.propertyError;
    this.errorContext = options.errorContext;
    (this.node as UserNode).labbenchResourceState = (state, err) => this.resourceState(state, err);

    if (options.config) this.use(options.config);
    if (this.propertyError) this.show(problem(reasonFor(this.t, this.propertyError.code)));
    else if (options.config === null)
      this.show(problem(this.t(options.missingConfigText ?? 'common.status.noConfig')));
    else this.show(idle(this.t));

    // Exactly two declared parameters: Node-RED passes (removed, done) by the listener's arity.
    this.node.on('close', (removed: boolean, done: () => void) => this.close(removed === true, done));
  }

  get closing(): boolean {
    return this.isClosing;
  }

  /** Sets the node's status (and remembers it for the recovery notice). Never throws. */
  show(status: NodeStatus): void {
    this.lastStatus = status;
    try {
      this.node.status(status);
    } catch {
      // a status update must never turn into a crash
    }
  }

  /** The red ring for an error. */
  showError(err: LabbenchError): void {
    this.show(problem(reasonFor(this.t, err.code)));
  }

  /** Registers with a config node once; deregistered when this node closes. */
  use(config: UserConfig): void {
    if (this.isClosing || this.configs.has(config.id)) return;
    this.configs.set(config.id, config);
    try {
      config.register(this.node as UserNode);
    } catch {
      // a config node that cannot take users surfaces on first use
    }
  }

  /**
   * The input handler. It runs after the property check (invalid properties fail the message with
   * their error), and ends the message in one output (what it sends) or one Catch (what it throws).
   */
  onInput(handler: InputHandler): void {
    this.runner = new InputRunner(
      this.node,
      (msg, send) => {
        if (this.propertyError) throw this.propertyError;
        return handler(msg, send);
      },
      { clock: this.clock, context: this.errorContext, onError: (e) => this.showError(e) },
    );
  }

  /** Periodic work; started with `start(periodMs)`. Stopped when the node closes. */
  repeat(options: RepeatOptions): Repeater {
    const r = new Repeater(this, options);
    this.repeaters.push(r);
    return r;
  }

  /** Runs `fn` on the next turn of the clock unless the node is closing by then. */
  defer(fn: () => void): void {
    this.clock.setTimeout(() => {
      if (!this.isClosing) fn();
    }, 0);
  }

  /** Work to do first when the node closes (release a role…). Must not throw; guarded anyway. */
  onClose(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /**
   * Work to do once the messages and ticks in flight have finished, before the node deregisters:
   * closing a lease the node holds itself (a node on a plain serial-port config node). Awaited;
   * its failure is ignored.
   */
  onDrained(fn: (removed: boolean) => void | Promise<void>): void {
    this.afterDrain.push(fn);
  }

  /** Shows the recovery notice: the last status, marked recovered. */
  showRecovered(): void {
    const last = this.lastStatus;
    const text = this.t('common.status.recovered', { text: last?.text ?? this.t('common.status.ready') });
    this.show(last && last.fill !== 'red' ? { ...last, text } : ready(this.t, text));
  }

  /**
   * The resource state the config node pushes. While periodic work runs, its own status (value,
   * "monitoring", or the stable failure text) stays: only a loss of the resource replaces it, and
   * not even that while a failure is already shown.
   */
  private resourceState(state: ResourceState, err?: LabbenchError): void {
    const running = this.repeaters.some((r) => r.running);
    if (this.repeaters.some((r) => r.failing)) return;
    if (running && !err && state !== 'closed') return;
    const status = statusForState(this.t, state, err);
    if (status) this.show(status);
  }

  private close(removed: boolean, done: () => void): void {
    this.isClosing = true;
    for (const r of this.repeaters) r.stop();
    for (const fn of this.cleanups) {
      try {
        fn();
      } catch {
        // never throw from close
      }
    }
    const work: Promise<unknown>[] = [];
    if (this.runner) work.push(this.runner.drain(DRAIN_CAP_MS));
    for (const r of this.repeaters) if (r.inFlight) work.push(r.inFlight);
    void settleWithin(this.clock, work, DRAIN_CAP_MS).then(async () => {
      for (const fn of this.afterDrain) {
        try {
          await fn(removed);
        } catch {
          // never throw from close
        }
      }
      for (const config of this.configs.values()) {
        try {
          config.deregister(this.node, removed);
        } catch {
          // never throw from close
        }
      }
      this.configs.clear();
      try {
        done();
      } catch {
        // never throw from close
      }
    });
  }
}

/**
 * The recovery message (sent when the node's `recovery` property is on):
 * `{topic: '<base>/recovered', payload: {recovered: true, code, message, since, failures}}`.
 */
export function recoveryMessage(RED: NodeAPI, topic: string, recovery: Recovery): NodeMessage {
  return {
    _msgid: RED.util.generateId(),
    topic,
    payload: { recovered: true, ...recovery },
  } as NodeMessage;
}

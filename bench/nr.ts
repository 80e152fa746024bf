/**
 * Node-RED 4.1 through node-red-node-test-helper, for the Node-RED scenarios (6 and 7b): the
 * package's node modules, a flow on simulated instruments, and a send-and-wait loop.
 *
 * The helper wraps Node.prototype.send/status/error/… in sinon spies that remember every call
 * (arguments and `this`) and emit an event per call on the next tick. That is test machinery, not
 * Node-RED: its cost is included in the figures (stated in the report), and its call history is
 * cleared (`resetHistory`) so that it does not pass for a leak in the memory scenario.
 */
import * as path from 'path';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface RuntimeNode {
  id: string;
  type: string;
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener: (...args: unknown[]) => void): void;
  receive(msg: Record<string, unknown>): void;
  [key: string]: unknown;
}

export interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  load(nodes: readonly unknown[], flow: FlowNode[]): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): RuntimeNode;
  setFlows(flow: FlowNode[], type: 'full' | 'flows' | 'nodes'): Promise<void>;
  _sandbox: { resetHistory(): void };
  _RED: { version(): string };
}

export { PACKAGE_NODES } from '../nodes';
import { BACKENDS_SETTING } from '../nodes/shared/backends';
import { DEFAULT_SERIAL_SETTINGS } from '../src/transport/types';
import type { SimulatedBackends } from '../src/sim';
import { benchOpeners, benchSimulators } from './backends';

let helper: TestHelper | undefined;

/**
 * The helper on the `node-red` devDependency (4.1), initialised once per process, with the bench's
 * backends given to the nodes through the `labbenchBackends` setting (the first call's win).
 */
export function nodeRedHelper(
  backends: SimulatedBackends = { openers: benchOpeners, simulators: benchSimulators },
): TestHelper {
  if (!helper) {
    // The helper looks for a package.json from the working directory up when it loads.
    const cwd = process.cwd();
    process.chdir(path.resolve(__dirname, '..', '..'));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      helper = require('node-red-node-test-helper') as TestHelper;
    } finally {
      process.chdir(cwd);
    }
    helper.init(require.resolve('node-red'), { [BACKENDS_SETTING]: backends });
  }
  return helper;
}

/** A labbench-serial-port config node on `path` with the library's default line settings (38400 8N1). */
export function serialPortConfig(id: string, path: string): FlowNode {
  return { id, type: 'labbench-serial-port', path, ...DEFAULT_SERIAL_SETTINGS };
}

/**
 * A tab (`tab1`, labelled `label`) with a watlow-poll `poll` of controller `w1` (address 1, Std Bus)
 * on the labbench-serial-port `port` at `path`, wired to the helper node `out`. The poll is named
 * `poll<variant>`: a changed name makes a "full" redeploy a real change of every node it touches,
 * and a "modified nodes" deploy restart the poll. `port` and `controller` add or override settings
 * of those config nodes.
 */
export function watlowPollFlow(options: {
  label: string;
  path: string;
  variant: number;
  /** The poll's period in ms; 0 polls on each input. */
  interval: number;
  port?: Record<string, unknown>;
  controller?: Record<string, unknown>;
}): FlowNode[] {
  const z = 'tab1';
  return [
    { id: z, type: 'tab', label: options.label },
    { ...serialPortConfig('port', options.path), ...options.port },
    {
      id: 'w1',
      type: 'labbench-watlow',
      name: 'Oven1',
      port: 'port',
      address: 1,
      protocol: 'stdbus',
      map: 1,
      ...options.controller,
    },
    {
      id: 'poll',
      type: 'watlow-poll',
      z,
      name: `poll${options.variant}`,
      controller: 'w1',
      parameters: [{ parameter: 'processValue', instance: 1 }],
      output: 'perValue',
      errors: 'catch',
      interval: options.interval,
      x: 100,
      y: 100,
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z, x: 300, y: 100 },
  ];
}

/**
 * watlowPollFlow on a simulated Std Bus controller (polled on input) and a keithley-supply on a
 * simulated 2281S wired to the helper node `out2`; `tag` makes the resources unique to the caller.
 */
export function benchFlow(tag: string, variant = 0): FlowNode[] {
  const z = 'tab1';
  return [
    ...watlowPollFlow({ label: 'bench', path: `sim:${tag}?addresses=1`, variant, interval: 0 }),
    { id: 'visa', type: 'labbench-visa', resource: `SIM::2281S::${tag.toUpperCase()}::INSTR`, timeout: 2000 },
    {
      id: 'psu',
      type: 'keithley-supply',
      z,
      name: `psu${variant}`,
      instrument: 'visa',
      monitor: 0,
      output: 'state',
      x: 100,
      y: 200,
      wires: [['out2']],
    },
    { id: 'out2', type: 'helper', z, x: 300, y: 200 },
  ];
}

/**
 * Sends `msg` to `inputId` and resolves when `outputId` has received one message; rejects after
 * `timeoutMs`. One listener per output node, installed once (`attach`).
 */
export class Responder {
  private waiting: ((msg: Record<string, unknown>) => void) | undefined;
  private readonly listener = (msg: unknown): void => {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(msg as Record<string, unknown>);
  };
  private node: RuntimeNode | undefined;

  attach(h: TestHelper, outputId: string): this {
    this.node?.off('input', this.listener);
    this.node = h.getNode(outputId);
    this.node.on('input', this.listener);
    return this;
  }

  send(
    h: TestHelper,
    inputId: string,
    msg: Record<string, unknown>,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no output from ${inputId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      h.getNode(inputId).receive(msg);
    });
  }
}

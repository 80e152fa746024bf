/**
 * Node-RED test harness shared by the per-version suites (nr4.test.ts, nr5.test.ts). One process
 * loads one Node-RED version: node-red-node-test-helper keeps module-level state, so each version
 * runs in its own test file (node --test runs every file in its own process).
 */
import * as path from 'path';
import { defaultRegistry } from '../../src/core';
import type { Clock } from '../../src/core/clock';
import type { Closeable, ResourceSpec } from '../../src/core/registry';

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type NodeModule = (RED: never) => void;

export interface RuntimeNode {
  id: string;
  type: string;
  on(event: string, listener: (...args: unknown[]) => void): void;
  receive(msg: Record<string, unknown>): void;
  [key: string]: unknown;
}

export interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  settings(userSettings: Record<string, unknown>): Record<string, unknown>;
  load(nodes: readonly unknown[], flow: FlowNode[], credentials?: Record<string, unknown>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): RuntimeNode;
  setFlows(flow: FlowNode[], type: 'full' | 'flows' | 'nodes'): Promise<void>;
  request(): {
    get(url: string): { expect(status: number): Promise<{ body: unknown }> };
  };
  _RED: { version(): string };
}

export { PACKAGE_NODES } from '../../nodes';

export interface Harness {
  helper: TestHelper;
  runtimePath: string;
  /** A core node module (inject, debug, function…) of the Node-RED version under test. */
  coreNode(file: string): unknown;
  version(): string;
}

export function createHarness(runtimeName: 'node-red' | 'node-red-5'): Harness {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helper = require('node-red-node-test-helper') as TestHelper;
  const runtimePath = require.resolve(runtimeName);
  helper.init(runtimePath);
  const nodesPkg = require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(runtimePath)] });
  return {
    helper,
    runtimePath,
    coreNode(file: string) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(path.join(path.dirname(nodesPkg), 'core', file));
    },
    version: () => helper._RED.version(),
  };
}

export { until } from '../support/until';

/** Lets pending callbacks run, so a second (unwanted) Catch message would have arrived. */
export async function settle(ms = 60): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await new Promise((r) => setImmediate(r));
}

/** Collects every message a helper node receives. */
export function collect(h: Harness, id: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  h.helper.getNode(id).on('input', (msg: unknown) => out.push(msg as Record<string, unknown>));
  return out;
}

/** Collects every status a node sets (through the Node prototype spy the helper installs). */
export function statuses(h: Harness, id: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  h.helper.getNode(id).on('call:status', (call: unknown) => {
    const args = (call as { args: unknown[] }).args;
    out.push(args[0] as Record<string, unknown>);
  });
  return out;
}

/** Counts what a node instance did with its messages: sends and (catchable) errors. */
export function answers(h: Harness, id: string): { sends: number; errors: number } {
  const count = { sends: 0, errors: 0 };
  const node = h.helper.getNode(id);
  node.on('call:send', () => count.sends++);
  node.on('call:error', () => count.errors++);
  return count;
}

/** A tab with a real Catch node (all nodes on the tab) wired to a helper collecting its output. */
export function tabWithCatch(tab = 'tab1'): FlowNode[] {
  return [
    { id: tab, type: 'tab', label: 'test' },
    { id: 'catcher', type: 'catch', z: tab, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: tab },
  ];
}

/**
 * Gives every flow node (one with a `z`) a position: the runtime classifies nodes without x/y as
 * config nodes, which changes their start order.
 */
export function placed(flow: FlowNode[]): FlowNode[] {
  return flow.map((n, i) =>
    n.type !== 'tab' && typeof n.z === 'string' && n.x === undefined ? { ...n, x: 100 + i * 10, y: 100 } : n,
  );
}

// ---- OS handle accounting ---------------------------------------------------------------------

export interface OpenCount {
  opened: number;
  closed: number;
  open: number;
  maxOpen: number;
}

const counts = new Map<string, OpenCount>();
let installed = false;

/**
 * Counts OS handle opens and closes per resource key, by wrapping the `open` of every spec the
 * process-wide registry is asked for (the only path by which the package opens a handle).
 */
export function installOpenCounter(): void {
  if (installed) return;
  installed = true;
  const original = defaultRegistry.acquire.bind(defaultRegistry);
  (defaultRegistry as { acquire: typeof defaultRegistry.acquire }).acquire = <H extends Closeable>(
    spec: ResourceSpec<H>,
  ) =>
    original<H>({
      ...spec,
      open: async () => {
        const handle = await spec.open();
        const c = countFor(spec.key);
        c.opened++;
        c.open++;
        c.maxOpen = Math.max(c.maxOpen, c.open);
        const close = handle.close.bind(handle);
        let closed = false;
        handle.close = async () => {
          if (!closed) {
            closed = true;
            c.closed++;
            c.open--;
          }
          return close();
        };
        return handle;
      },
    });
}

function countFor(key: string): OpenCount {
  let c = counts.get(key);
  if (!c) {
    c = { opened: 0, closed: 0, open: 0, maxOpen: 0 };
    counts.set(key, c);
  }
  return c;
}

export function openCount(key: string): OpenCount {
  return { ...countFor(key) };
}

/**
 * Gives the nodes deployed next this clock (the `labbench.clock` runtime setting), or the system
 * clock again with no argument. The suite resets it after every test.
 */
export function useClock(h: Harness, clock?: Clock): void {
  h.helper.settings(clock ? { labbench: { clock } } : {});
}

type Transacting = { transact(fn: () => Promise<void>, options: { timeoutMs: number }): Promise<void> };

/**
 * Holds the port of the config node `configId` (a labbench-watlow) with a transaction of the test's
 * own, so the next read on that port queues behind it; `release` lets it go and waits until it has.
 */
export function holdPort(h: Harness, configId: string): { release(): Promise<void> } {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const config = h.helper.getNode(configId) as unknown as {
    keeper: { use(fn: (lease: Transacting) => Promise<void>): Promise<void> };
  };
  const holding = config.keeper.use((lease) => lease.transact(() => gate, { timeoutMs: 0 }));
  return {
    release: async () => {
      open();
      await holding;
    },
  };
}

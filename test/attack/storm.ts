/**
 * Storm: a real Node-RED runtime (node-red-node-test-helper starts Node-RED 4.1 in this process,
 * admin on loopback) with a watlow-poll polling a real PTY bus (rig.ts, no faults) on an interval,
 * under alternating full and modified-nodes deploys. Sampled between deploys and on a timer: open
 * file descriptors, OS handles per PTY device (never two on the bus port), unhandled rejections,
 * and that outputs keep coming.
 */
import { nodeRedHelper, PACKAGE_NODES, watlowPollFlow } from '../../bench/nr';
import type { FlowNode, RuntimeNode } from '../../bench/nr';
import { WatlowRig, openFds } from './rig';

export interface StormSummary {
  deploys: { full: number; nodes: number };
  outputs: number;
  /** Outputs seen in each window of 10 deploys: never 0 means "outputs continue". */
  minOutputsPer10Deploys: number;
  caught: number;
  maxHandlesOnBusPort: number;
  fds: { before: number; after: number; max: number };
  unhandledRejections: number;
  seconds: number;
}

/** The polled bus on the rig's PTY, with a short reply timeout and one retry. */
function flow(path: string, variant: number): FlowNode[] {
  return watlowPollFlow({
    label: 'storm',
    path,
    variant,
    interval: 50,
    port: { timeout: 200, retries: 1 },
    controller: { wordOrder: 'lowHigh' },
  });
}

export async function runStorm(options: { deploys: number; seed: number }): Promise<StormSummary> {
  const started = Date.now();
  let unhandled = 0;
  const onUnhandled = (): void => void unhandled++;
  process.on('unhandledRejection', onUnhandled);
  const rig = await WatlowRig.start({ faultRate: 0, seed: options.seed, addresses: '1' });
  const helper = nodeRedHelper();
  const counted = new WeakSet<object>();
  let outputs = 0;
  let caught = 0;
  const listen = (): void => {
    const node = helper.getNode('out') as RuntimeNode | undefined;
    if (node && !counted.has(node)) {
      counted.add(node);
      node.on('input', () => void outputs++);
    }
    const poll = helper.getNode('poll') as RuntimeNode | undefined;
    if (poll && !counted.has(poll)) {
      counted.add(poll);
      poll.on('call:error', () => void caught++);
    }
  };
  const busDevice = rig.client.targets()[0];
  let maxHandles = 0;
  let maxFds = 0;
  const sample = (): void => {
    const fds = openFds();
    maxFds = Math.max(maxFds, fds.total);
    maxHandles = Math.max(maxHandles, fds.perDevice.get(busDevice) ?? 0);
  };
  const sampler = setInterval(sample, 5);
  const fdsBefore = openFds().total;
  const summary: StormSummary = {
    deploys: { full: 0, nodes: 0 },
    outputs: 0,
    minOutputsPer10Deploys: Number.POSITIVE_INFINITY,
    caught: 0,
    maxHandlesOnBusPort: 0,
    fds: { before: fdsBefore, after: 0, max: 0 },
    unhandledRejections: 0,
    seconds: 0,
  };
  try {
    await helper.load(PACKAGE_NODES, flow(rig.clientPath, 0));
    listen();
    let windowStart = outputs;
    for (let i = 1; i <= options.deploys; i++) {
      const type = i % 2 === 0 ? 'full' : 'nodes';
      await helper.setFlows(flow(rig.clientPath, i), type);
      summary.deploys[type]++;
      listen();
      sample();
      // Let the interval poll run a little between deploys.
      const target = outputs + 1;
      const deadline = Date.now() + 2000;
      while (outputs < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (i % 10 === 0) {
        summary.minOutputsPer10Deploys = Math.min(summary.minOutputsPer10Deploys, outputs - windowStart);
        windowStart = outputs;
      }
    }
    await helper.unload();
    await new Promise((r) => setTimeout(r, 100));
    summary.fds.after = openFds().total;
    summary.outputs = outputs;
    summary.caught = caught;
    return summary;
  } finally {
    clearInterval(sampler);
    summary.maxHandlesOnBusPort = maxHandles;
    summary.fds.max = maxFds;
    summary.unhandledRejections = unhandled;
    summary.seconds = (Date.now() - started) / 1000;
    await rig.close();
    process.off('unhandledRejection', onUnhandled);
  }
}

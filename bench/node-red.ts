/**
 * Scenario 6 — Node-RED end to end (Node-RED 4.1, node-red-node-test-helper). Messages per second
 * through `watlow-poll` (one Std Bus processValue per message, simulated bus, port defaults) and
 * `keithley-supply` (topic "state": a full state read, simulated 2281S), one message at a time:
 * inject → node → library → simulator → output message received by a helper node.
 *
 * Baseline, in the same run and on the same config nodes, lease and simulators: the direct library
 * call the node makes — WatlowController.readMany on the labbench-watlow node's controller, and
 * Keithley2281SClient.readSupplyState on the labbench-visa node's lease — in alternating rounds.
 * The cost per message above the direct call is given in wall time and in CPU time: the Watlow
 * port's inter-frame gap (the library default, 2 ms for Std Bus at 38400 baud) is slept between
 * transactions, so Node-RED's work between two polls can hide inside it; CPU time shows it
 * regardless.
 */
import type { WatlowController } from '../src/watlow';
import { Keithley2281SClient } from '../src/keithley';
import type { Lease } from '../src/core/registry';
import type { ScpiSession } from '../src/visa/session';
import type { Scenario, ScenarioResult } from './harness';
import type { CallCost } from './harness';
import { alternateCosts, ratePerSecond, resolvedInterFrameGapMs, round } from './harness';
import { Responder, benchFlow, nodeRedHelper, PACKAGE_NODES } from './nr';

interface Pair {
  node: CallCost;
  direct: CallCost;
  rounds: number;
}

async function alternateRounds(
  rounds: number,
  perBatch: number,
  maxMs: number,
  viaNode: () => Promise<unknown>,
  direct: () => Promise<unknown>,
): Promise<Pair> {
  const costs = await alternateCosts(rounds, perBatch, maxMs, { node: viaNode, direct });
  return { ...costs, rounds };
}

function result(id: string, nodeType: string, what: string, pair: Pair, perBatch: number): ScenarioResult {
  const { node, direct } = pair;
  return {
    id,
    description: `messages/s through ${nodeType} (${what}), one at a time, Node-RED 4.1 via node-red-node-test-helper`,
    ...ratePerSecond(node, direct, 'msg/s'),
    baselineDescription:
      'direct library calls/s on the same config node, lease and simulator (alternating rounds)',
    target: 'none stated: report the cost per message above the direct call',
    details: {
      rounds: pair.rounds,
      messagesPerRound: perBatch,
      nodeWallUsPerMessage: round(node.wallUs, 1),
      directWallUsPerCall: round(direct.wallUs, 1),
      costPerMessageWallUs: round(node.wallUs - direct.wallUs, 1),
      nodeCpuUsPerMessage: round(node.cpuUs, 1),
      directCpuUsPerCall: round(direct.cpuUs, 1),
      costPerMessageCpuUs: round(node.cpuUs - direct.cpuUs, 1),
    },
  };
}

export const nodeRedScenario: Scenario = {
  id: 's6',
  title: 'Node-RED end to end',
  isolated: true,
  budgetMs: 90_000,
  async run() {
    const h = nodeRedHelper();
    const tag = `nrbench${process.pid}`;
    await h.load(PACKAGE_NODES, benchFlow(tag));
    const results: ScenarioResult[] = [];
    try {
      const out = new Responder().attach(h, 'out');
      const out2 = new Responder().attach(h, 'out2');
      const w1 = h.getNode('w1') as unknown as { controller(): WatlowController };
      const visa = h.getNode('visa') as unknown as { keeper: { get(): Lease<ScpiSession> } };
      const items = [{ parameter: 'processValue', instance: 1 }];
      let seq = 0;

      // The helper's spies keep every call; clear them between rounds so memory stays flat.
      const clearSpies = (): void => h._sandbox.resetHistory();

      const watlow = await alternateRounds(
        4,
        200,
        3000,
        async () => {
          if (++seq % 200 === 0) clearSpies();
          const msg = await out.send(h, 'poll', { payload: seq });
          if (typeof msg.payload !== 'number')
            throw new Error(`watlow-poll gave ${JSON.stringify(msg.payload)}`);
        },
        async () => {
          const [r] = await w1.controller().readMany(items);
          if (!r!.ok) throw r!.error;
        },
      );
      const w = result(
        's6-node-red-watlow-poll',
        'watlow-poll',
        'one Std Bus processValue read per message, port defaults',
        watlow,
        200,
      );
      const gapMs = resolvedInterFrameGapMs(w1.controller());
      w.details!.interFrameGapMs = round(gapMs, 3);
      w.notes = `Both paths sit on the same floor: the port's ${round(gapMs, 2)} ms inter-frame gap (the library's default), slept on a whole-millisecond timer, plus a few tens of µs of stack (scenario 1), so wall times hardly differ; Node-RED's work (message routing on setImmediate, cloning, status, the helper's sinon spies) costs ${w.details!.costPerMessageCpuUs} us CPU per message, and mostly hides inside the gap.`;
      results.push(w);

      const client = new Keithley2281SClient(visa.keeper.get(), 'bench direct');
      const keithley = await alternateRounds(
        4,
        300,
        3000,
        async () => {
          if (++seq % 300 === 0) clearSpies();
          const msg = await out2.send(h, 'psu', { topic: 'state' });
          if (typeof (msg.payload as { voltage?: unknown }).voltage !== 'number')
            throw new Error('keithley-supply gave no state');
        },
        () => client.readSupplyState(),
      );
      const k = result(
        's6-node-red-keithley-supply',
        'keithley-supply',
        'topic "state": one full supply state read per message on the in-process SIM:: session',
        keithley,
        300,
      );
      k.notes = `A state read is 8 SCPI queries on the in-process session (no timers in that path), so Node-RED's share shows in wall time: ${k.details!.costPerMessageWallUs} us per message (message routing, topic/payload parsing and validation, state mapping, node status, the helper's spies).`;
      results.push(k);
    } finally {
      await h.unload();
    }
    return results;
  },
};

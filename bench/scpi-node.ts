/**
 * Scenario 10 — the `scpi` node: `*IDN?` messages per second through Node-RED 4.1 (inject → scpi
 * node → labbench-visa lease → ScpiSession → raw TCP socket → simulated DMM in a child process →
 * output message received by a helper node), one at a time.
 *
 * Baselines in the same run, on the same simulator process and alternating rounds:
 *  - the direct library call the node makes: runScpiProgram on the labbench-visa node's lease;
 *  - a bare net.Socket to the same server: write `*IDN?\n`, wait for the LF of the reply.
 * The node and the direct call run the same program (one query, no error-queue read), so the
 * difference is Node-RED's and the node's own work per message.
 */
import * as path from 'path';
import type { Lease } from '../src/core/registry';
import type { ScpiSession } from '../src/visa/session';
import { runScpiProgram } from '../src/visa/scpi-program';
import type { Scenario, ScenarioResult } from './harness';
import { alternateCosts, ratePerSecond, round, spawnTracked, stopChild, waitForOutput } from './harness';
import { lineQuerier } from './loopback';
import { Responder, nodeRedHelper, PACKAGE_NODES, type FlowNode } from './nr';

function flow(resource: string): FlowNode[] {
  return [
    { id: 'tab1', type: 'tab', label: 'bench' },
    { id: 'visa', type: 'labbench-visa', name: 'DMM', resource, timeout: 5000 },
    {
      id: 'sc',
      type: 'scpi',
      z: 'tab1',
      instrument: 'visa',
      command: '*IDN?',
      placeholders: [],
      reply: 'auto',
      byteOrder: 'big',
      checkErrors: false,
      opc: false,
      timeout: '',
      allowRaw: false,
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'tab1' },
  ];
}

export const scpiNodeScenario: Scenario = {
  id: 's10',
  title: 'scpi node: *IDN? through Node-RED vs runScpiProgram vs a bare socket',
  isolated: true,
  budgetMs: 60_000,
  async run(): Promise<ScenarioResult[]> {
    const cli = path.resolve(__dirname, '..', 'src', 'sim', 'cli.js');
    const sim = spawnTracked(process.execPath, [cli, 'dmm', '--tcp', '127.0.0.1:0', '--serial', 'BENCHIDN']);
    const h = nodeRedHelper();
    try {
      const m = await waitForOutput(sim, /TCPIP0::([\d.]+)::(\d+)::SOCKET/, 10_000);
      const host = m[1]!;
      const port = Number(m[2]);
      await h.load(PACKAGE_NODES, flow(`TCPIP::${host}::${port}::SOCKET`));
      const out = new Responder().attach(h, 'out');
      const visa = h.getNode('visa') as unknown as { keeper: { get(): Lease<ScpiSession> } };
      const bare = await lineQuerier(host, port, Buffer.from('*IDN?\n', 'latin1'));
      const program = { lines: [{ command: '*IDN?', isQuery: true }], checkErrors: false };
      let seq = 0;
      const paths: Record<'node' | 'direct' | 'bare', () => Promise<unknown>> = {
        node: async () => {
          if (++seq % 300 === 0) h._sandbox.resetHistory();
          const msg = await out.send(h, 'sc', { payload: seq });
          if (!String(msg.payload).includes('SIM-DMM')) throw new Error(`scpi gave ${String(msg.payload)}`);
        },
        direct: () => runScpiProgram(visa.keeper.get(), program),
        bare: () => bare.query(),
      };
      try {
        const perBatch = 300;
        const rounds = 4;
        const { node, direct, bare: raw } = await alternateCosts(rounds, perBatch, 3000, paths);
        return [
          {
            id: 's10-scpi-node-idn',
            description:
              'messages/s through the scpi node (*IDN?, no error-queue read), one at a time, Node-RED 4.1 via node-red-node-test-helper, on the simulated DMM (child process) over a raw TCP socket',
            ...ratePerSecond(node, direct, 'msg/s'),
            baselineDescription:
              'direct runScpiProgram calls/s on the labbench-visa node lease (same program, same server, alternating rounds)',
            target: 'none stated: report the cost per message above the direct call and above a bare socket',
            details: {
              rounds,
              messagesPerRound: perBatch,
              bareSocketQueriesPerSecond: round(1e6 / raw.wallUs, 0),
              nodeWallUsPerMessage: round(node.wallUs, 1),
              directWallUsPerCall: round(direct.wallUs, 1),
              bareWallUsPerQuery: round(raw.wallUs, 1),
              nodeCpuUsPerMessage: round(node.cpuUs, 1),
              directCpuUsPerCall: round(direct.cpuUs, 1),
              bareCpuUsPerQuery: round(raw.cpuUs, 1),
              costPerMessageAboveDirectUs: round(node.wallUs - direct.wallUs, 1),
              costOfStackAboveBareUs: round(direct.wallUs - raw.wallUs, 1),
            },
            notes:
              "CPU figures are this process only (the simulator is a child process). The node figure includes the test helper's sinon spies on send/status (cleared every 300 messages).",
          },
        ];
      } finally {
        bare.close();
      }
    } finally {
      await h.unload();
      await stopChild(sim);
    }
  },
};

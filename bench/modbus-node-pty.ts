/**
 * The `modbus` node on the paced line of s8 against a bare modbus-serial loop. The same
 * holding-register reads the Watlow poll of s8 puts on the wire (4 controllers, recorded once on
 * the in-process simulator) go out on a socat PTY pair whose far end is the simulator pacing bytes
 * at 38400 baud:
 *  - figure: through a Node-RED 4.1 `modbus` node (node-red-node-test-helper), one message per
 *    read with `msg.address`, `msg.register` and `msg.count`, each sent when the previous answer
 *    came out — the path a flow takes;
 *  - baseline: modbus-serial (`connectRTUBuffered`, `setID`, `readHoldingRegisters`) on the same
 *    PTY, keeping the same 3.5-character silence (1.75 ms) after every reply, as the library does.
 * Rounds alternate (node, bare, node, …): the node's port is released between them, since one
 * serial port has one owner. Both are also given against the ideal line of s8.
 */
import type { ModbusRTU as ModbusRtuClient } from 'modbus-serial/ModbusRTU';
import type { ScenarioResult } from './harness';
import { loadAverage, median, round, skipped, sleepMs, timeLoop, waitUntilMs } from './harness';
import { Responder, nodeRedHelper, PACKAGE_NODES, serialPortConfig } from './nr';
import type { FlowNode } from './nr';
import type { ModbusRead, PollTraffic } from './paced-pty';
import { PACED_BAUD, idealPollMs, pacedLineUnavailable, startPacedLine, trafficOfOnePoll } from './paced-pty';

const ROUNDS = 3;
const POLLS_PER_ROUND = 15;

function modbusFlow(portPath: string): FlowNode[] {
  const z = 'mbtab';
  return [
    { id: z, type: 'tab', label: 'modbus bench' },
    serialPortConfig('mbport', portPath),
    {
      id: 'mb',
      type: 'modbus',
      z,
      name: 'bench',
      port: 'mbport',
      // Empty: each message names its unit, register and count (a property set here would win).
      address: '',
      operation: 'read',
      table: 'holding',
      register: '',
      dataType: 'uint16',
      count: '',
      wordOrder: 'highLow',
      scale: 1,
      interval: 0,
      output: 'value',
      wires: [['mbout']],
    },
    { id: 'mbout', type: 'helper', z },
  ];
}

/** Retries `attempt` every 50 ms for up to 10 s. */
async function until(attempt: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await attempt()); await sleepMs(50))
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
}

/** ms of each of `polls` polls, after one to warm up. */
async function pollTimesMs(polls: number, poll: () => Promise<void>): Promise<number[]> {
  return (await timeLoop(polls, poll, 1)).map((us) => us / 1000);
}

/** ms per poll of `polls` polls through the node (the flow is deployed for the round, then removed). */
async function nodeRound(portPath: string, reads: ModbusRead[], polls: number): Promise<number[]> {
  const h = nodeRedHelper();
  await h.load(PACKAGE_NODES, modbusFlow(portPath));
  try {
    const out = new Responder().attach(h, 'mbout');
    const poll = async (): Promise<void> => {
      for (const r of reads) {
        const msg = await out.send(h, 'mb', { address: r.unit, register: r.register, count: r.count }, 2000);
        // The read that went out must be the one asked for: unit and register in the topic, as
        // many values as registers (one uint16 each).
        const values = Array.isArray(msg.payload) ? msg.payload.length : msg.payload === undefined ? 0 : 1;
        if (
          msg.error !== undefined ||
          msg.topic !== `bench/${r.unit}/holding/${r.register}` ||
          values !== r.count
        )
          throw new Error(`modbus node: ${JSON.stringify(msg).slice(0, 200)}`);
      }
    };
    const times = await pollTimesMs(polls, poll);
    h._sandbox.resetHistory();
    return times;
  } finally {
    await h.unload();
  }
}

/** ms per poll of the same reads on a bare modbus-serial client, the same silence kept. */
async function bareRound(portPath: string, traffic: PollTraffic, polls: number): Promise<number[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ModbusRTU = require('modbus-serial') as new () => ModbusRtuClient;
  const client = new ModbusRTU();
  // The node's port closes after the registry's grace period: until then its lock refuses us.
  await until(
    async () =>
      client.connectRTUBuffered(portPath, { baudRate: PACED_BAUD }).then(
        () => true,
        () => false,
      ),
    'the node to release the port',
  );
  client.setTimeout(2000);
  let quietSince = -Infinity;
  const poll = async (): Promise<void> => {
    for (const r of traffic.reads) {
      await waitUntilMs(quietSince + traffic.gapMs);
      client.setID(r.unit);
      const reply = await client.readHoldingRegisters(r.register, r.count);
      quietSince = performance.now();
      if (reply.data.length !== r.count) throw new Error(`modbus-serial: ${reply.data.length} registers`);
    }
  };
  try {
    return await pollTimesMs(polls, poll);
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

/** Both loops on one paced line, in alternating rounds, against each other and the ideal line. */
export async function nodeAgainstBareLoop(): Promise<ScenarioResult[]> {
  const description =
    'the holding-register reads of the s8 Watlow poll through a Node-RED modbus node (one message per read) on the paced PTY line at 38400 baud: median ms per poll';
  const unavailable = pacedLineUnavailable();
  if (unavailable) return [skipped('s13-modbus-node-pty', description, unavailable)];
  const traffic = await trafficOfOnePoll();
  const ideal = idealPollMs(traffic);
  const line = await startPacedLine();
  try {
    const node: number[] = [];
    const bare: number[] = [];
    const loadBefore = loadAverage();
    for (let r = 0; r < ROUNDS; r++) {
      node.push(...(await nodeRound(line.path, traffic.reads, POLLS_PER_ROUND)));
      bare.push(...(await bareRound(line.path, traffic, POLLS_PER_ROUND)));
    }
    const figure = median(node);
    const baseline = median(bare);
    return [
      {
        id: 's13-modbus-node-pty',
        description,
        figure: round(figure, 2),
        unit: 'ms/poll',
        baseline: round(baseline, 2),
        baselineDescription: `bare modbus-serial ${'readHoldingRegisters'} loop on the same PTY and simulator, ${traffic.gapMs} ms silence kept after each reply (alternating rounds)`,
        ratio: round(figure / baseline, 3),
        target: 'none stated: the node against the bare loop, both against the ideal line',
        details: {
          readsPerPoll: traffic.reads.length,
          polls: node.length,
          nodeMinMs: round(Math.min(...node), 2),
          bareMinMs: round(Math.min(...bare), 2),
          idealMs: round(ideal.ms, 2),
          nodeVsIdeal: round(figure / ideal.ms, 3),
          bareVsIdeal: round(baseline / ideal.ms, 3),
          minRatio: round(Math.min(...node) / Math.min(...bare), 3),
          loadAverageBefore: loadBefore,
          loadAverageAfter: loadAverage(),
        },
        notes: `The ideal line is s8's (${ideal.description}). Both loops pay the PTY rig's latency (socat between two PTYs, serialport's reads); the node adds Node-RED's message routing, validation of each message's overrides and the port's FIFO.`,
      },
    ];
  } finally {
    await line.stop();
  }
}

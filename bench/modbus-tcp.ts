/**
 * Modbus TCP on loopback: requests per second the package's stack reaches through a
 * `modbus-tcp://` gateway (registry lease → FIFO → MbapLink → socket, the path a `modbus` node's
 * read takes, minus Node-RED's message handling), against a bare MBAP loop on its own socket to
 * the same simulated gateway (encode, write, wait for the reply with the same transaction id,
 * repeat). One request in flight in both, as the gateway forwards one at a time.
 */
import * as net from 'net';
import { ResourceRegistry } from '../src/core/registry';
import { serialKey } from '../src/core/identity';
import { readModbusValues } from '../src/modbus/operations';
import { validateValueSpec } from '../src/modbus/values';
import { SimulatedWatlowBus } from '../src/sim/watlow/bus';
import { serveBusAsModbusGateway } from '../src/sim/modbus';
import { openModbusTcpGateway } from '../src/transport/tcp-stream';
import type { ByteStream } from '../src/transport/types';
import type { Scenario, ScenarioResult } from './harness';
import { loadAverage, round } from './harness';

const REQUESTS = 2000;
const UNIT = 10;
/** Read 10 input registers at 0 (the meter's five float32 values). */
const PDU = Buffer.from([0x04, 0x00, 0x00, 0x00, 0x0a]);

async function bareLoop(host: string, port: number, n: number): Promise<number> {
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let pending: { id: number; resolve: () => void } | undefined;
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 7) {
      const length = buffered.readUInt16BE(4);
      if (buffered.length < 6 + length) break;
      const id = buffered.readUInt16BE(0);
      buffered = buffered.subarray(6 + length);
      if (pending && pending.id === id) pending.resolve();
    }
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const id = (i + 1) & 0xffff;
    const frame = Buffer.alloc(7 + PDU.length);
    frame.writeUInt16BE(id, 0);
    frame.writeUInt16BE(0, 2);
    frame.writeUInt16BE(PDU.length + 1, 4);
    frame.writeUInt8(UNIT, 6);
    PDU.copy(frame, 7);
    await new Promise<void>((resolve) => {
      pending = { id, resolve };
      socket.write(frame);
    });
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  return n / seconds;
}

async function stackLoop(url: string, n: number): Promise<number> {
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const lease = registry.acquire<ByteStream>({
    key: serialKey(url),
    label: url,
    holder: 'bench',
    claim: { protocol: 'modbus' },
    open: () => openModbusTcpGateway(url),
  });
  const spec = validateValueSpec({ table: 'input', register: 0, type: 'float32', count: 5 });
  const access = { port: lease, path: url, line: { replyTimeoutMs: 1000 } };
  await readModbusValues(access, UNIT, spec); // connect outside the timing
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await readModbusValues(access, UNIT, spec);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  lease.release({ immediate: true });
  await registry.closeAll();
  return n / seconds;
}

export const modbusTcpScenario: Scenario = {
  id: 's11',
  title: 'Modbus TCP through a gateway vs a bare MBAP loop (loopback)',
  budgetMs: 60_000,
  async run(): Promise<ScenarioResult[]> {
    const bus = new SimulatedWatlowBus('bench-gateway', { addresses: [1], modbusDevices: [UNIT] });
    // Throughput, not the gateway's timeout, is measured: on a loaded machine one request may wait
    // past the default 250 ms for the in-process bus, which would end the run with exception 0x0B.
    const gateway = await serveBusAsModbusGateway(bus, { host: '127.0.0.1', port: 0, targetTimeoutMs: 5000 });
    try {
      const url = gateway.url;
      const { hostname, port } = new URL(url.replace(/^modbus-tcp:/, 'http:'));
      // Warm both paths, then alternate to share the machine's load fairly.
      await bareLoop(hostname, Number(port), 200);
      await stackLoop(url, 200);
      const bare: number[] = [];
      const stack: number[] = [];
      for (let round1 = 0; round1 < 3; round1++) {
        bare.push(await bareLoop(hostname, Number(port), REQUESTS));
        stack.push(await stackLoop(url, REQUESTS));
      }
      const best = (xs: number[]) => Math.max(...xs);
      const figure = best(stack);
      const baseline = best(bare);
      return [
        {
          id: 's11-modbus-tcp',
          description:
            'Modbus TCP requests/s through a modbus-tcp:// gateway on loopback (lease, FIFO, MbapLink, typed decode of 5 float32)',
          figure: round(figure, 0),
          unit: 'req/s',
          baseline: round(baseline, 0),
          baselineDescription:
            'bare MBAP loop on its own socket to the same simulated gateway, one request in flight',
          ratio: round(figure / baseline, 3),
          details: { requests: REQUESTS, rounds: 3, loadAverage: loadAverage() },
          notes: 'Best of three alternating rounds each; the simulated gateway answers in-process.',
        },
      ];
    } finally {
      await gateway.close();
    }
  },
};

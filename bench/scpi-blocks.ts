/**
 * Scenario 9 — free-form SCPI data paths.
 *
 * (a) Binary block throughput: `TRAC:DATA?` answered with a 1 MiB and a 16 MiB IEEE 488.2 block by
 *     the simulated DMM (`labbench-sim dmm --tcp … --hislip …`, a child process), read through
 *     registry lease → runScpiProgram → ScpiSession → LineTransport (block-aware framer) →
 *     net.Socket, and → the HiSLIP client, each against a bare net.Socket that sends the same
 *     query to the same process's raw socket server and counts the same bytes. MB/s from the median
 *     read; memory = the peak growth of ArrayBuffer memory during a read, sampled every 2 ms
 *     (the block itself included), as a multiple of the block size.
 * (b) 2281S state read: program messages (round trips) per supply state read with compound
 *     queries, and reads/s, against the single-query read (the driver forced to 'refused').
 */

import * as path from 'path';
import { ResourceRegistry } from '../src/core/registry';
import { Keithley2281SClient } from '../src/keithley';
import { Keithley2281S } from '../src/keithley/driver';
import { Simulated2281S } from '../src/sim/keithley';
import { serveScpiOverTcp } from '../src/sim/visa';
import { acquireVisaSession } from '../src/visa/acquire';
import { runScpiProgram } from '../src/visa/scpi-program';
import { benchOpeners } from './backends';
import type { Scenario, ScenarioResult } from './harness';
import { collectGarbage, median, round, spawnTracked, stopChild, waitForOutput } from './harness';
import { connectLoopback } from './loopback';

const MB = 1e6;
const READS = 7;

async function bareBlockReader(
  host: string,
  port: number,
): Promise<{ read(total: number): Promise<void>; send(text: string): Promise<void>; close(): void }> {
  const socket = await connectLoopback(host, port);
  let need = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    need -= chunk.length;
    if (need <= 0 && wake) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  return {
    // The bare reader knows the reply's size in advance: the least work a client can do.
    read: (total) =>
      new Promise<void>((resolve) => {
        need = total;
        wake = resolve;
        socket.write('TRAC:DATA?\n');
      }),
    send: (text) =>
      new Promise<void>((resolve) => {
        socket.write(`${text}\n`, () => resolve());
      }),
    close: () => socket.destroy(),
  };
}

function blockMessageLength(points: number): number {
  const len = String(points * 4);
  return 2 + len.length + points * 4 + 1;
}

/** A transport of the stack under test, and the resource string the simulator printed for it. */
interface BlockTransport {
  name: 'tcp' | 'hislip';
  resource: string;
  path: string;
}

async function blockThroughput(): Promise<ScenarioResult[]> {
  const cli = path.resolve(__dirname, '..', 'src', 'sim', 'cli.js');
  // One simulator process serves the same DMM over a raw socket and over HiSLIP.
  const sim = spawnTracked(process.execPath, [
    cli,
    'dmm',
    '--tcp',
    '127.0.0.1:0',
    '--hislip',
    '127.0.0.1:0',
    '--serial',
    'BENCHDMM',
  ]);
  const results: ScenarioResult[] = [];
  try {
    // The CLI prints the socket resource, then the HiSLIP one, one per line.
    const served = await waitForOutput(
      sim,
      /TCPIP0::([\d.]+)::(\d+)::SOCKET\n\s*(TCPIP0::[\d.]+::hislip0,\d+::INSTR)/,
      10_000,
    );
    const host = served[1]!;
    const port = Number(served[2]);
    const transports: BlockTransport[] = [
      {
        name: 'tcp',
        resource: `TCPIP::${host}::${port}::SOCKET`,
        path: 'ScpiSession → block-aware LineFramer → net.Socket',
      },
      {
        name: 'hislip',
        resource: served[3]!,
        path: 'ScpiSession → HiSLIP client (Data/DataEnd, payload views joined once) → two net.Sockets',
      },
    ];
    const bare = await bareBlockReader(host, port);
    try {
      for (const transport of transports) {
        results.push(...(await blockReads(transport, bare)));
      }
    } finally {
      bare.close();
    }
  } finally {
    await stopChild(sim);
  }
  return results;
}

async function blockReads(
  transport: BlockTransport,
  bare: Awaited<ReturnType<typeof bareBlockReader>>,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const registry = new ResourceRegistry();
  const lease = acquireVisaSession(registry, benchOpeners, transport.resource, 'bench', {
    timeoutMs: 30_000,
  });
  try {
    for (const mib of [1, 16]) {
      const points = (mib * 1024 * 1024) / 4;
      const bytes = points * 4;
      // The DMM's settings are shared by both servers: the bare reader gets the same block.
      const setup = [`FORM:DATA REAL,32`, `TRAC:POIN ${points}`];
      await runScpiProgram(lease, { lines: setup.map((command) => ({ command, isQuery: false })) });
      const read = {
        lines: [{ command: 'TRAC:DATA?', isQuery: true }],
        reply: 'block' as const,
        checkErrors: false,
        timeoutMs: 30_000,
      };
      const stackMs: number[] = [];
      const bareMs: number[] = [];
      for (let i = 0; i < READS; i++) {
        let t0 = performance.now();
        const result = await runScpiProgram(lease, read);
        stackMs.push(performance.now() - t0);
        if ((result.last as Buffer).length !== bytes) throw new Error('short block');
        t0 = performance.now();
        await bare.read(blockMessageLength(points));
        bareMs.push(performance.now() - t0);
      }
      // Memory in separate, untimed reads: sampling process.memoryUsage() costs time itself.
      const peakDuring = async (fn: () => Promise<unknown>): Promise<number> => {
        collectGarbage();
        const base = process.memoryUsage().arrayBuffers;
        let high = base;
        const sampler = setInterval(() => {
          high = Math.max(high, process.memoryUsage().arrayBuffers);
        }, 2);
        const kept = await fn();
        high = Math.max(high, process.memoryUsage().arrayBuffers);
        clearInterval(sampler);
        void kept;
        return high - base;
      };
      const peak = await peakDuring(() => runScpiProgram(lease, read));
      const barePeak = await peakDuring(() => bare.read(blockMessageLength(points)));
      const stack = median(stackMs.slice(1));
      const baseline = median(bareMs.slice(1));
      const ratio = baseline / stack;
      const memoryRatio = peak / bytes;
      results.push({
        id: `s9-block-${mib}mib-${transport.name}`,
        description: `TRAC:DATA? answered with a ${mib} MiB definite block by the simulated DMM (child process) over ${transport.name === 'tcp' ? 'a raw TCP socket' : 'HiSLIP'} on loopback, read through lease → runScpiProgram → ${transport.path}: MB/s (median of ${READS - 1} reads)`,
        figure: round(bytes / MB / (stack / 1000), 1),
        unit: 'MB/s',
        baseline: round(bytes / MB / (baseline / 1000), 1),
        baselineDescription:
          'bare net.Socket on the same simulator process (its raw socket server): write the query, count the reply bytes (size known in advance)',
        ratio: round(ratio, 3),
        target: 'throughput ratio (stack ÷ bare) >= 0.9, peak memory <= 2× the block size (+ header bytes)',
        met: ratio >= 0.9 && memoryRatio <= 2 + 64 / bytes,
        details: {
          stackMs: round(stack, 2),
          bareMs: round(baseline, 2),
          peakArrayBufferBytes: peak,
          peakMemoryPerBlock: round(memoryRatio, 4),
          barePeakArrayBufferBytes: barePeak,
          barePeakMemoryPerBlock: round(barePeak / bytes, 4),
        },
        notes:
          transport.name === 'tcp'
            ? 'Both sides read the same server, so the simulator generating the block is a shared cost. The stack copies each block once (into a buffer allocated at the announced size); the memory figure also counts socket chunks not yet collected (the peak of the bare reader, which keeps no block, shows what they cost).'
            : 'The baseline reads the same bytes from the same simulator over its raw socket (a bare HiSLIP reader would itself need the HiSLIP handshake and framing). HiSLIP adds a 16-byte header per Data message (server maximum message size) and keeps the payloads as views of the TCP chunks, joined once per reply: the chunks and the joined reply are alive together for a moment.',
      });
    }
    await runScpiProgram(lease, { lines: [{ command: 'TRAC:POIN 10', isQuery: false }] });
  } finally {
    lease.release({ immediate: true });
    await registry.closeAll();
  }
  return results;
}

async function stateReadRoundTrips(): Promise<ScenarioResult> {
  const instrument = new Simulated2281S('BENCHCMP');
  const server = await serveScpiOverTcp(instrument, { host: '127.0.0.1', port: 0 });
  const registry = new ResourceRegistry();
  const lease = acquireVisaSession(registry, benchOpeners, server.resource, 'bench');
  const client = new Keithley2281SClient(lease, 'bench');
  const reads = 300;
  try {
    const measure = async (): Promise<{ perRead: number; perSecond: number }> => {
      await client.readSupplyState();
      const before = instrument.messagesReceived;
      const t0 = performance.now();
      for (let i = 0; i < reads; i++) await client.readSupplyState();
      const ms = performance.now() - t0;
      return { perRead: (instrument.messagesReceived - before) / reads, perSecond: (reads * 1000) / ms };
    };
    const compound = await measure();
    Keithley2281S.of(lease).compoundQueries = 'refused';
    const single = await measure();
    return {
      id: 's9-2281s-state-round-trips',
      description: `supply state reads on the simulated 2281S over TCP loopback (${reads} reads): program messages (round trips) per read with compound queries`,
      figure: round(compound.perRead, 2),
      unit: 'round trips/read',
      baseline: round(single.perRead, 2),
      baselineDescription:
        'the same reads with one query per round trip (the driver forced to single queries)',
      target: '<= 2 round trips per read',
      met: compound.perRead <= 2,
      details: {
        compoundReadsPerSecond: round(compound.perSecond, 0),
        singleReadsPerSecond: round(single.perSecond, 0),
        speedup: round(compound.perSecond / single.perSecond, 2),
      },
    };
  } finally {
    lease.release({ immediate: true });
    await registry.closeAll();
    await server.close();
  }
}

export const scpiBlocksScenario: Scenario = {
  id: 's9',
  title: 'free-form SCPI: binary blocks over TCP and HiSLIP, 2281S state round trips',
  isolated: true,
  budgetMs: 90_000,
  async run() {
    return [...(await blockThroughput()), await stateReadRoundTrips()];
  },
};

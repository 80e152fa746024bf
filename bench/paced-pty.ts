/**
 * Paced Modbus RTU on a real PTY: `labbench-sim watlow --serial B --pace --baud 38400` times its
 * side of the wire like a 38400-baud line (reply bytes at their wire time after a 3 ms device
 * turnaround; requests count as arrived one wire time after the PTY delivered them). The client
 * polls 4 controllers × 5 parameters through the whole stack on the other end.
 *
 * Figure: median poll time. Baseline, same run: the ideal line — every byte of the poll's frames at
 * 10 bits / 38400 baud, plus per transaction the device's 3 ms turnaround and the inter-frame
 * silence the client keeps after each reply (the library's default, 1.75 ms at 38400 baud, which
 * is the 3.5-character silence Modbus fixes for rates above 19200). The frames of one poll are
 * counted once on the in-process simulator (same library, same requests).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ResourceRegistry } from '../src/core/registry';
import { PACED_TURNAROUND_MS } from '../src/sim/watlow/provider';
import { createOpeners } from '../src/transport';
import type { Openers } from '../src/transport';
import { WatlowManager } from '../src/watlow';
import { benchSimulators, meteredOpeners } from './backends';
import type { Scenario, ScenarioResult } from './harness';
import {
  median,
  resolvedInterFrameGapMs,
  round,
  skipped,
  spawnTracked,
  stopChild,
  until,
  waitForOutput,
} from './harness';
import { portMeter, resetPortMeter } from './wire';

const TARGET_RATIO = 1.05;
const BAUD = 38400;
const ADDRESSES = [1, 2, 3, 4];
const PARAMETERS = ['processValue', 'setPoint', 'controlMode', 'inputError', 'filteredProcessValue'];
const POLLS = 60;

function socatAvailable(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

function managerOn(port: string, registry: ResourceRegistry, openers: Openers): WatlowManager {
  const manager = new WatlowManager({ registry, openers });
  for (const address of ADDRESSES) manager.add(`c${address}`, { port, protocol: 'modbus', address });
  return manager;
}

/** Bytes and transactions of one poll, counted on the in-process simulator. */
async function trafficOfOnePoll(): Promise<{ bytes: number; transactions: number; gapMs: number }> {
  const bus = 'paced-pty-count';
  benchSimulators.watlow.reset(bus);
  const registry = new ResourceRegistry();
  const manager = managerOn(`sim:${bus}?addresses=${ADDRESSES.join(',')}`, registry, meteredOpeners);
  try {
    await manager.poll(PARAMETERS);
    resetPortMeter(bus);
    await manager.poll(PARAMETERS);
    const m = portMeter(bus);
    return {
      bytes: m.bytesOut + m.bytesIn,
      transactions: m.writes,
      gapMs: resolvedInterFrameGapMs(manager.get('c1')),
    };
  } finally {
    await manager.close();
    await registry.closeAll();
    benchSimulators.watlow.reset(bus);
  }
}

export const pacedPtyScenario: Scenario = {
  id: 's8',
  title: 'paced Modbus RTU on a real PTY (simulator pacing bytes at 38400 baud)',
  budgetMs: 60_000,
  async run() {
    const description = `Modbus poll of ${ADDRESSES.length} controllers × ${PARAMETERS.length} parameters on a socat PTY, simulator pacing bytes at ${BAUD} baud: median ms per poll`;
    if (process.platform === 'win32' || !socatAvailable()) {
      return [skipped('paced-pty-modbus', description, 'socat is not installed (apt-get install socat)')];
    }
    const traffic = await trafficOfOnePoll();
    const byteMs = (10 * 1000) / BAUD;
    const ideal = traffic.bytes * byteMs + traffic.transactions * (PACED_TURNAROUND_MS + traffic.gapMs);
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-bench-paced-')));
    const a = path.join(dir, 'A');
    const b = path.join(dir, 'B');
    const socat = spawnTracked('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
    let sim: ReturnType<typeof spawnTracked> | undefined;
    const registry = new ResourceRegistry();
    let manager: WatlowManager | undefined;
    try {
      await until(() => fs.existsSync(a) && fs.existsSync(b), 'socat PTY links', 5000);
      const cli = path.resolve(__dirname, '..', 'src', 'sim', 'cli.js');
      sim = spawnTracked(process.execPath, [
        cli,
        'watlow',
        '--serial',
        b,
        '--addresses',
        ADDRESSES.join(','),
        '--pace',
        '--baud',
        String(BAUD),
      ]);
      await waitForOutput(sim, /ready/, 10_000);
      manager = managerOn(a, registry, createOpeners());
      for (let i = 0; i < 10; i++) await manager.poll(PARAMETERS);
      const times: number[] = [];
      for (let i = 0; i < POLLS; i++) {
        const t0 = performance.now();
        const samples = await manager.poll(PARAMETERS);
        times.push(performance.now() - t0);
        if (samples.some((s) => s.error))
          throw new Error(`poll failed: ${JSON.stringify(samples.find((s) => s.error))}`);
      }
      const figure = median(times);
      const ratio = figure / ideal;
      const result: ScenarioResult = {
        id: 'paced-pty-modbus',
        description,
        figure: round(figure, 2),
        unit: 'ms/poll',
        baseline: round(ideal, 2),
        baselineDescription: `ideal line: ${traffic.bytes} bytes × 10 bits / ${BAUD} baud + ${traffic.transactions} transactions × (${PACED_TURNAROUND_MS} ms device turnaround + ${traffic.gapMs} ms inter-frame silence)`,
        ratio: round(ratio, 3),
        target: `ratio <= ${TARGET_RATIO}`,
        met: ratio <= TARGET_RATIO,
        details: {
          polls: times.length,
          minMs: round(Math.min(...times), 2),
          p90Ms: round([...times].sort((x, y) => x - y)[Math.floor(times.length * 0.9)]!, 2),
          transactionsPerPoll: traffic.transactions,
          bytesPerPoll: traffic.bytes,
        },
      };
      return [result];
    } finally {
      await manager?.close();
      await registry.closeAll();
      if (sim) await stopChild(sim);
      await stopChild(socat);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Shared set-up for the Watlow integration tests: a private registry, a manager, simulated buses. */
import { ResourceRegistry } from '../../src/core/registry';
import { WatlowManager } from '../../src/watlow/manager';
import type { AddControllerOptions } from '../../src/watlow/manager';
import type { ParameterSpec } from '../../src/watlow/catalogue';
import { testOpeners, testSimulators } from '../support/backends';
import type { SimBusOptions, SimulatedController, SimulatedWatlowBus } from '../../src/sim/watlow';

let counter = 0;

/** A bus name no other test in this process uses. */
export function uniqueBus(prefix = 'bus'): string {
  counter++;
  return `${prefix}${process.pid}x${counter}`;
}

export interface Bench {
  registry: ResourceRegistry;
  manager: WatlowManager;
  bus: SimulatedWatlowBus;
  busName: string;
  add(name: string, options?: Partial<AddControllerOptions>): ReturnType<WatlowManager['add']>;
  close(): Promise<void>;
}

/** One simulated bus, a registry that closes ports at once, and a manager with fast retries. */
export function bench(busOptions: SimBusOptions = {}, prefix = 'bench'): Bench {
  const busName = uniqueBus(prefix);
  const bus = testSimulators.watlow.bus(busName, busOptions);
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: testOpeners });
  return {
    registry,
    manager,
    bus,
    busName,
    add(name, options = {}) {
      return manager.add(name, {
        port: `sim:${busName}`,
        protocol: 'stdbus',
        address: 1,
        line: { replyTimeoutMs: 150, retries: 2 },
        ...options,
      });
    },
    async close() {
      await manager.close();
      await registry.closeAll();
      testSimulators.watlow.reset(busName);
    },
  };
}

/** Runs `fn` on a fresh bench and always closes it (bus reset included), whatever `fn` does. */
export async function withBench(
  busOptions: SimBusOptions | undefined,
  fn: (b: Bench) => Promise<void>,
): Promise<void> {
  const b = bench(busOptions);
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

/** A valid value to write that differs from `current` where the catalogue allows. */
export function otherValue(spec: ParameterSpec, current: number | string): number | string {
  if (spec.type === 'string') return current === 'Bench oven' ? 'Kiln' : 'Bench oven';
  if (spec.enumCodes) {
    const codes = Object.values(spec.enumCodes);
    return codes.find((c) => c !== current) ?? codes[0]!;
  }
  const min = spec.min ?? 0;
  const max = spec.max ?? 255;
  const candidates = [42.5, 1, 3, min, max].filter(
    (v) => v >= min && v <= max && (spec.type === 'float' || Number.isInteger(v)),
  );
  return candidates.find((v) => v !== current) ?? candidates[0]!;
}

export function codeOf(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

/**
 * Gives a simulated controller a parameter outside the catalogue, as a real unit may have one:
 * `id` (every instance) answers reads and writes as a `u8`, starting at `initial`. Returns its
 * current value.
 */
export function addUncataloguedU8(sim: SimulatedController, id: number, initial: number): () => number {
  const read = sim.read.bind(sim);
  const write = sim.write.bind(sim);
  let stored = initial;
  sim.read = (asked, instance) =>
    asked === id ? { ok: true, type: 'u8', value: stored } : read(asked, instance);
  sim.write = (asked, instance, value) => {
    if (asked !== id) return write(asked, instance, value);
    stored = value as number;
    return { ok: true, type: 'u8', value: stored };
  };
  return () => stored;
}

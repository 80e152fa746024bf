/**
 * The benchmark's backends, passed in the same way the Node-RED adapter and the tests pass theirs:
 * one set of simulators per scenario process, reached through `benchSimulators`, and two tables
 * over them — `benchOpeners` as a user would build it, and `meteredOpeners`, whose `sim:` ports
 * count the bytes, requests and listeners that cross them (bench/wire.ts). The Node-RED scenarios
 * give the metered backends to the nodes through the `labbenchBackends` setting.
 */
import { ResourceRegistry } from '../src/core/registry';
import { createSimulatedOpeners, createSimulators } from '../src/sim';
import type { Openers } from '../src/transport';
import { WatlowManager } from '../src/watlow';
import type { SimulatedBackends } from '../src/sim';
import { meteredSimOpener } from './wire';

export const benchSimulators = createSimulators();

export const benchOpeners = createSimulatedOpeners({ simulators: benchSimulators }).openers;

export const meteredBackends: SimulatedBackends = createSimulatedOpeners({
  simulators: benchSimulators,
  overrides: { streams: { sim: meteredSimOpener(benchSimulators.watlow.opener) } },
});

export const meteredOpeners = meteredBackends.openers;

/**
 * Runs `fn` with a fresh registry and a WatlowManager over `openers` (the real table when none is
 * given), and closes both afterwards however `fn` ends: every Watlow scenario's set-up and
 * tear-down.
 */
export async function withWatlowManager<T>(
  openers: Openers | undefined,
  fn: (manager: WatlowManager) => Promise<T>,
): Promise<T> {
  const registry = new ResourceRegistry();
  const manager = new WatlowManager({ registry, ...(openers ? { openers } : {}) });
  try {
    return await fn(manager);
  } finally {
    await manager.close();
    await registry.closeAll();
  }
}

/**
 * The benchmark's backends, passed in the same way the Node-RED adapter and the tests pass theirs:
 * one set of simulators per scenario process, reached through `benchSimulators`, and two tables
 * over them — `benchOpeners` as a user would build it, and `meteredOpeners`, whose `sim:` ports
 * count the bytes, requests and listeners that cross them (bench/wire.ts). The Node-RED scenarios
 * give the metered backends to the nodes through the `labbenchBackends` setting.
 */
import { createSimulatedOpeners, createSimulators } from '../src/sim';
import type { SimulatedBackends } from '../src/sim';
import { meteredSimOpener } from './wire';

export const benchSimulators = createSimulators();

export const benchOpeners = createSimulatedOpeners({ simulators: benchSimulators }).openers;

export const meteredBackends: SimulatedBackends = createSimulatedOpeners({
  simulators: benchSimulators,
  overrides: { streams: { sim: meteredSimOpener(benchSimulators.watlow.opener) } },
});

export const meteredOpeners = meteredBackends.openers;

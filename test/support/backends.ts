/**
 * The opener table the library-level tests share: the real backends plus one set of simulators of
 * this test process (each test file runs in its own process). Tests reach the simulators here, as
 * the node tests reach the adapter's through nodes/shared/backends.
 */
import { createSimulatedOpeners } from '../../src/sim';
import type { SimulatedBackends } from '../../src/sim';

export const testBackends: SimulatedBackends = createSimulatedOpeners();
export const testOpeners = testBackends.openers;
export const testSimulators = testBackends.simulators;

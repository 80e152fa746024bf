/**
 * The opener table the library-level tests share: the real backends plus one set of simulators of
 * this test process (each test file runs in its own process). Tests reach the simulators here, as
 * the node tests reach the adapter's through nodes/shared/backends.
 */
import { createSimulatedOpeners } from '../../src/sim';
import type { SimulatedBackends } from '../../src/sim';
import type { UsbBackend } from '../../src/transport/usbtmc-types';

export const testBackends: SimulatedBackends = createSimulatedOpeners();
export const testOpeners = testBackends.openers;
export const testSimulators = testBackends.simulators;

/**
 * A table of one test: the given USB bus (simulated USBTMC devices, or one that fails) and only the
 * named simulated models registered, so discovery lists exactly what the test expects.
 */
export function simulatedOpenersWith(usb: UsbBackend, models: readonly string[]): SimulatedBackends {
  const backends = createSimulatedOpeners({ usb });
  for (const { model } of backends.simulators.instruments.list()) {
    if (!models.includes(model)) backends.simulators.instruments.unregister(model);
  }
  return backends;
}

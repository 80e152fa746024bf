/**
 * The Node-RED adapter's backends: the real ones (OS serial ports, TCP, VXI-11, USB through the
 * `usb` package) plus the built-in simulators, so flows on `sim:<bus>` and
 * `SIM::2281S::<serial>::INSTR` addresses work with nothing else installed. Installing the
 * simulators is the adapter's choice; the library installs nothing on import.
 *
 * Built once per process, on first use (the simulators are required then, not on load). A runtime that embeds the nodes (the benchmark, a test
 * bed) may give its own in Node-RED's settings as `labbenchBackends` ({ openers, simulators }).
 * The one registry of the process (`defaultRegistry`) shares ports between config nodes; this
 * table says how those ports open.
 */
import type { SimulatedBackends } from '../../src/sim';
import type * as SimModule from '../../src/sim';

/** The Node-RED setting through which an embedding runtime passes its own backends. */
export const BACKENDS_SETTING = 'labbenchBackends';

let processBackends: SimulatedBackends | undefined;

function isBackends(value: unknown): value is SimulatedBackends {
  const v = value as Partial<SimulatedBackends> | null | undefined;
  return (
    typeof v === 'object' && v !== null && typeof v.openers === 'object' && typeof v.simulators === 'object'
  );
}

/** The adapter's opener table and its simulators (tests reach the simulators here). */
export function labbenchBackends(RED?: { settings?: unknown }): SimulatedBackends {
  const settings = RED?.settings as Record<string, unknown> | undefined;
  const given = settings?.[BACKENDS_SETTING];
  if (isBackends(given)) return given;
  // Required here, not at load: the simulators (and through them every transport) load only
  // when a config node first opens something, never in a runtime with no labbench node deployed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  processBackends ??= (require('../../src/sim') as typeof SimModule).createSimulatedOpeners();
  return processBackends;
}

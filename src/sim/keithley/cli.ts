/**
 * `labbench-sim keithley --tcp 127.0.0.1:5025 [--vxi11 127.0.0.1:<portmapper port>] [--serial SER]`:
 * serves one simulated 2281S out of process over a raw TCP socket and/or VXI-11, so the real OS
 * transports are exercised. Both servers share the one instrument (as a real unit's LAN stack
 * would). Loopback unless told otherwise. No HiSLIP: the real 2281S has none.
 */
import { parseScpiSimulatorArgs, serveScpiSimulator } from '../visa/cli-serve';
import type { RunningScpiSimulator, ScpiSimulatorArgs } from '../visa/cli-serve';
import { DEFAULT_SIM_SERIAL } from './index';
import { Simulated2281S } from './instrument';

export type KeithleySimulatorArgs = ScpiSimulatorArgs;
export interface RunningKeithleySimulator extends RunningScpiSimulator {
  /** The instrument served. */
  instrument: Simulated2281S;
}

const USAGE =
  'labbench-sim keithley --tcp <host>:<port> [--vxi11 <host>:<portmapper port>] [--serial <instrument serial>]';

const NO_HISLIP =
  'The real Keithley 2281S has no HiSLIP server (its LAN offers VXI-11 and the raw socket), so its simulator is not served over HiSLIP; use --tcp or --vxi11.';

/** Parses the command line (pure, so it can be tested without opening ports). */
export function parseKeithleySimulatorArgs(argv: readonly string[]): KeithleySimulatorArgs {
  return parseScpiSimulatorArgs(argv, USAGE, DEFAULT_SIM_SERIAL, { hislipRefusal: NO_HISLIP });
}

/** Starts the servers; resolves once they listen. Ctrl+C (SIGINT/SIGTERM) closes them. */
export async function runKeithleySimulator(argv: readonly string[]): Promise<RunningKeithleySimulator> {
  const args = parseKeithleySimulatorArgs(argv);
  // The process's own instrument, not one of an opener table's: the CLI serves exactly one.
  const instrument = new Simulated2281S(args.serial.trim().toUpperCase());
  const running = await serveScpiSimulator(instrument, args, 'Simulated Keithley 2281S');
  return { ...running, instrument };
}

/**
 * `labbench-sim keithley --tcp 127.0.0.1:5025 [--vxi11 127.0.0.1:<portmapper port>] [--serial SER]`:
 * serves one simulated 2281S out of process over a raw TCP socket and/or VXI-11, so the real OS
 * transports are exercised. Loopback unless told otherwise.
 */
import { parseScpiSimulatorArgs, serveScpiSimulator } from '../visa/cli-serve';
import type { RunningScpiSimulator, ScpiSimulatorArgs } from '../visa/cli-serve';
import { DEFAULT_SIM_SERIAL, getSimulated2281S } from './index';

export type KeithleySimulatorArgs = ScpiSimulatorArgs;
export type RunningKeithleySimulator = RunningScpiSimulator;

const USAGE =
  'labbench-sim keithley --tcp <host>:<port> [--vxi11 <host>:<portmapper port>] [--serial <instrument serial>]';

/** Parses the command line (pure, so it can be tested without opening ports). */
export function parseKeithleySimulatorArgs(argv: readonly string[]): KeithleySimulatorArgs {
  return parseScpiSimulatorArgs(argv, USAGE, DEFAULT_SIM_SERIAL);
}

/** Starts the servers; resolves once they listen. Ctrl+C (SIGINT/SIGTERM) closes them. */
export async function runKeithleySimulator(argv: readonly string[]): Promise<RunningKeithleySimulator> {
  const args = parseKeithleySimulatorArgs(argv);
  return serveScpiSimulator(getSimulated2281S(args.serial), args, 'Simulated Keithley 2281S');
}

/**
 * `labbench-sim dmm [--tcp 127.0.0.1:5025] [--vxi11 127.0.0.1:<portmapper port>] [--hislip 127.0.0.1:4880]
 * [--serial SER]`: serves one simulated DMM out of process over a raw TCP socket, VXI-11 and/or HiSLIP.
 */
import { parseScpiSimulatorArgs, serveScpiSimulator } from '../visa/cli-serve';
import type { RunningScpiSimulator, ScpiSimulatorArgs } from '../visa/cli-serve';
import { DEFAULT_DMM_SERIAL, createSimDmm } from './index';

const USAGE =
  'labbench-sim dmm [--tcp <host>:<port>] [--vxi11 <host>:<portmapper port>] [--hislip <host>:<port>] [--serial <instrument serial>]';

export function parseDmmSimulatorArgs(argv: readonly string[]): ScpiSimulatorArgs {
  return parseScpiSimulatorArgs(argv, USAGE, DEFAULT_DMM_SERIAL);
}

export async function runDmmSimulator(argv: readonly string[]): Promise<RunningScpiSimulator> {
  const args = parseDmmSimulatorArgs(argv);
  return serveScpiSimulator(createSimDmm(args.serial.trim().toUpperCase()), args, 'Simulated DMM');
}

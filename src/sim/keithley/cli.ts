/**
 * `labbench-sim keithley --tcp 127.0.0.1:5025 [--vxi11 127.0.0.1:<portmapper port>] [--serial SER]`:
 * serves one simulated 2281S out of process over a raw TCP socket and/or VXI-11, so the real OS
 * transports are exercised. Both servers share the one instrument (as a real unit's LAN stack
 * would). Loopback unless told otherwise.
 */
import { InvalidInputError } from '../../core/errors';
import { formatHost } from '../../core/identity';
import { serveScpiOverTcp, serveScpiOverVxi11 } from '../visa';
import type { ScpiTcpServer, ScpiVxi11Server } from '../visa';
import { DEFAULT_SIM_SERIAL, getSimulated2281S } from './index';

export interface KeithleySimulatorArgs {
  tcp?: { host: string; port: number };
  vxi11?: { host: string; port: number };
  serial: string;
}

const USAGE =
  'labbench-sim keithley --tcp <host>:<port> [--vxi11 <host>:<portmapper port>] [--serial <instrument serial>]';

function parseHostPort(text: string | undefined, flag: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text ?? '');
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new InvalidInputError(`${flag} needs <host>:<port>, e.g. 127.0.0.1:5025. Usage: ${USAGE}`);
  return { host: m[1], port };
}

/** Parses the command line (pure, so it can be tested without opening ports). */
export function parseKeithleySimulatorArgs(argv: readonly string[]): KeithleySimulatorArgs {
  const args: KeithleySimulatorArgs = { serial: DEFAULT_SIM_SERIAL };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--tcp':
        args.tcp = parseHostPort(value, flag);
        i++;
        break;
      case '--vxi11':
        args.vxi11 = parseHostPort(value, flag);
        i++;
        break;
      case '--hislip':
        // Serving what the real unit cannot do would let a flow pass here and fail on the bench.
        throw new InvalidInputError(
          'The real Keithley 2281S has no HiSLIP server (its LAN offers VXI-11 and the raw socket), so its simulator is not served over HiSLIP; use --tcp or --vxi11.',
        );
      case '--serial':
        if (value === undefined || !/^[A-Za-z0-9_.-]+$/.test(value)) {
          throw new InvalidInputError(`--serial needs letters, digits, "_", "." or "-". Usage: ${USAGE}`);
        }
        args.serial = value.toUpperCase();
        i++;
        break;
      default:
        throw new InvalidInputError(`Unknown option "${flag}". Usage: ${USAGE}`);
    }
  }
  if (!args.tcp && !args.vxi11) throw new InvalidInputError(`Give --tcp and/or --vxi11. Usage: ${USAGE}`);
  return args;
}

export interface RunningKeithleySimulator {
  /** VISA resource strings that reach the simulator, TCP socket first. */
  resources: string[];
  /** Where the VXI-11 portmapper listens (give it as `vxi11PortmapperPort`), when served. */
  vxi11PortmapperPort?: number;
  close(): Promise<void>;
}

/** Starts the servers; resolves once they listen. Ctrl+C (SIGINT/SIGTERM) closes them. */
export async function runKeithleySimulator(argv: readonly string[]): Promise<RunningKeithleySimulator> {
  const args = parseKeithleySimulatorArgs(argv);
  const model = getSimulated2281S(args.serial);
  const servers: (ScpiTcpServer | ScpiVxi11Server)[] = [];
  const resources: string[] = [];
  const notes: string[] = [];
  let vxi11PortmapperPort: number | undefined;
  const close = async (): Promise<void> => {
    await Promise.allSettled(servers.reverse().map((s) => s.close()));
  };
  try {
    if (args.tcp) {
      const tcp = await serveScpiOverTcp(model, args.tcp);
      servers.push(tcp);
      resources.push(`TCPIP0::${formatHost(tcp.host)}::${tcp.port}::SOCKET`);
      notes.push(resources[resources.length - 1]);
    }
    if (args.vxi11) {
      const vxi = await serveScpiOverVxi11(model, { host: args.vxi11.host, portmapperPort: args.vxi11.port });
      servers.push(vxi);
      resources.push(`TCPIP0::${formatHost(vxi.host)}::inst0::INSTR`);
      vxi11PortmapperPort = vxi.portmapperPort;
      notes.push(
        `TCPIP0::${formatHost(vxi.host)}::inst0::INSTR (portmapper on port ${vxi.portmapperPort}: set LABBENCH_VXI11_PORTMAPPER_PORT=${vxi.portmapperPort})`,
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  console.log(`Simulated Keithley 2281S (serial ${args.serial}) serving:\n  ${notes.join('\n  ')}`);
  const stop = (): void => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    resources,
    vxi11PortmapperPort,
    close: async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await close();
    },
  };
}

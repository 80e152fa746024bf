/**
 * The command line shared by the SCPI simulators of `labbench-sim` (`keithley`, `dmm`):
 * `--tcp <host>:<port>` (raw socket), `--vxi11 <host>:<portmapper port>`, `--hislip <host>:<port>`
 * (where the simulated instrument's real counterpart has HiSLIP), `--serial <serial>`.
 * Serves one model over the servers asked for (they share it, as a real unit's LAN stack would).
 */
import { InvalidInputError } from '../../core/errors';
import { formatHost } from '../../core/identity';
import type { ScpiDeviceModel } from '../../visa/types';
import { serveScpiOverHislip } from './hislip-server';
import type { ScpiHislipServer } from './hislip-server';
import { serveScpiOverTcp } from './tcp-server';
import type { ScpiTcpServer } from './tcp-server';
import { serveScpiOverVxi11 } from './vxi11-server';
import type { ScpiVxi11Server } from './vxi11-server';

export interface ScpiSimulatorArgs {
  tcp?: { host: string; port: number };
  vxi11?: { host: string; port: number };
  hislip?: { host: string; port: number };
  serial: string;
}

export interface ScpiSimulatorCliOptions {
  /** Set when the real instrument has no HiSLIP server: `--hislip` is refused with this text. */
  hislipRefusal?: string;
}

export interface RunningScpiSimulator {
  /** VISA resource strings that reach the simulator, TCP socket first. */
  resources: string[];
  /** Where the VXI-11 portmapper listens (give it as `vxi11PortmapperPort`), when served. */
  vxi11PortmapperPort?: number;
  close(): Promise<void>;
}

function parseHostPort(
  text: string | undefined,
  flag: string,
  usage: string,
): { host: string; port: number } {
  const m = /^([^:]+|\[[^\]]+\]):(\d{1,5})$/.exec(text ?? '');
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new InvalidInputError(`${flag} needs <host>:<port>, e.g. 127.0.0.1:5025. Usage: ${usage}`);
  return { host: m[1], port };
}

/** Parses the command line (pure, so it can be tested without opening ports). */
export function parseScpiSimulatorArgs(
  argv: readonly string[],
  usage: string,
  defaultSerial: string,
  options: ScpiSimulatorCliOptions = {},
): ScpiSimulatorArgs {
  const args: ScpiSimulatorArgs = { serial: defaultSerial };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--tcp':
        args.tcp = parseHostPort(value, flag, usage);
        i++;
        break;
      case '--vxi11':
        args.vxi11 = parseHostPort(value, flag, usage);
        i++;
        break;
      case '--hislip':
        // Serving what the real unit cannot do would let a flow pass here and fail on the bench.
        if (options.hislipRefusal !== undefined) throw new InvalidInputError(options.hislipRefusal);
        args.hislip = parseHostPort(value, flag, usage);
        i++;
        break;
      case '--serial':
        if (value === undefined || !/^[A-Za-z0-9_.-]+$/.test(value)) {
          throw new InvalidInputError(`--serial needs letters, digits, "_", "." or "-". Usage: ${usage}`);
        }
        args.serial = value.toUpperCase();
        i++;
        break;
      default:
        throw new InvalidInputError(`Unknown option "${flag}". Usage: ${usage}`);
    }
  }
  if (!args.tcp && !args.vxi11 && !args.hislip) {
    const hislip = options.hislipRefusal === undefined ? ' or --hislip' : '';
    throw new InvalidInputError(`Give --tcp, --vxi11${hislip}. Usage: ${usage}`);
  }
  return args;
}

/** Starts the servers; resolves once they listen. Ctrl+C (SIGINT/SIGTERM) closes them. */
export async function serveScpiSimulator(
  model: ScpiDeviceModel,
  args: ScpiSimulatorArgs,
  title: string,
): Promise<RunningScpiSimulator> {
  const servers: (ScpiTcpServer | ScpiVxi11Server | ScpiHislipServer)[] = [];
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
    if (args.hislip) {
      const hislip = await serveScpiOverHislip(model, args.hislip);
      servers.push(hislip);
      resources.push(`TCPIP0::${formatHost(hislip.host)}::hislip0,${hislip.port}::INSTR`);
      notes.push(resources[resources.length - 1]);
    }
  } catch (err) {
    await close();
    throw err;
  }
  console.log(`${title} (serial ${args.serial}) serving:\n  ${notes.join('\n  ')}`);
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

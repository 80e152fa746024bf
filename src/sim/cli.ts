#!/usr/bin/env node
/**
 * `labbench-sim`: serves the built-in simulators out of process, so the real OS transports are
 * exercised too — a Watlow bus (with generic Modbus devices) on a serial device (e.g. one end of a
 * socat PTY pair), as a tcp:// serial device server or as a modbus-tcp:// gateway, and a Keithley
 * 2281S or a DMM on a TCP port (raw socket), VXI-11 and (DMM only) HiSLIP.
 */

const USAGE = `Usage:
  labbench-sim watlow [--serial <path>] [--tcp <host:port>] [--modbus-tcp <host:port>]
                      [--addresses 1,2] [--modbus 10,11] [--baud 38400] [--pace]
                      [--gateway-units 1,2,10] [--gateway-timeout <ms>]
  labbench-sim keithley --tcp 127.0.0.1:5025 [--vxi11 127.0.0.1:<port>] [--serial <instrument serial>]
  labbench-sim dmm [--tcp 127.0.0.1:5025] [--vxi11 127.0.0.1:<port>] [--hislip 127.0.0.1:4880] [--serial <instrument serial>]

Runs until interrupted (Ctrl+C).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'watlow': {
      const { runWatlowSimulator } = await import('./watlow/cli');
      await runWatlowSimulator(rest);
      return 0;
    }
    case 'keithley': {
      const { runKeithleySimulator } = await import('./keithley/cli');
      await runKeithleySimulator(rest);
      return 0;
    }
    case 'dmm': {
      const { runDmmSimulator } = await import('./dmm/cli');
      await runDmmSimulator(rest);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`labbench-sim: unknown simulator "${command}".\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`labbench-sim: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

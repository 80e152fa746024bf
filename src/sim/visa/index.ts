/** Protocol-side simulators: serve any ScpiDeviceModel over raw TCP, VXI-11, HiSLIP or as a USBTMC device. */
export { serveScpiOverTcp } from './tcp-server';
export type { ScpiTcpServer, SimServerAddress } from './tcp-server';
export { serveScpiOverVxi11 } from './vxi11-server';
export type { ScpiVxi11Server, Vxi11ServerOptions } from './vxi11-server';
export { serveScpiOverHislip } from './hislip-server';
export type { HislipFault, HislipServerOptions, HislipServerStats, ScpiHislipServer } from './hislip-server';
export { SimUsbtmcDevice, createSimUsbBackend } from './usbtmc-device';
export type { SimUsbtmcOptions, SimUsbtmcStats } from './usbtmc-device';
export { SimInstrumentPort } from './instrument-port';
export { parseScpiSimulatorArgs, serveScpiSimulator } from './cli-serve';
export type { RunningScpiSimulator, ScpiSimulatorArgs } from './cli-serve';
export { SimInstruments, SimLoopbackTransport } from './instruments';

/**
 * The Watlow EZ-ZONE PM simulator. `SimulatedWatlowBuses` is the `sim:<bus>` entry of an opener table.
 */
export { SimulatedWatlowBus } from './bus';
export type { SimBusEvent, SimBusEventKind, SimBusOptions, SimFault, SimFaultKind, SimWire } from './bus';
export { SimulatedController } from './controller';
export type { SimControllerOptions, SimResult } from './controller';
export { ThermalLoop, DEFAULT_PLANT } from './plant';
export type { LoopSettings, PlantConstants } from './plant';
export { SimulatedWatlowBuses, PACED_TURNAROUND_MS } from './provider';
export { runWatlowSimulator, parseWatlowSimulatorArgs, WATLOW_SIM_USAGE } from './cli';
export type { RunningWatlowSimulator, WatlowSimulatorArgs } from './cli';

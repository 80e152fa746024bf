/** The built-in simulators. Importing this module registers them for `sim:` and `SIM::` addresses. */
export * as watlow from './watlow';
export * as keithley from './keithley';
export * as dmm from './dmm';
export * as modbus from './modbus';

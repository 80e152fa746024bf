/**
 * The Keithley 2281S driver: supply and battery-simulator roles on one shared SCPI session.
 * Nodes use `Keithley2281SClient` on the lease of a `labbench-visa` config node; the pure parts
 * (validation, message parsing, ordering, reply parsing) are exported for reuse and tests.
 */
export { Keithley2281SClient } from './client';
export type { KeithleyClientOptions, ReadOptions } from './client';
export {
  DRIVER_CACHE_KEY,
  DRIVER_CACHE_NAME,
  FUNCTION_OF_ROLE,
  Keithley2281S,
  ROLE_EXPLANATION,
  isWrongFunctionError,
} from './driver';
export type { KeithleyRole } from './driver';
export {
  BATTERY_KEYS,
  PROTECTION_CLEARS,
  SUPPLY_KEYS,
  parseModelRef,
  validateBatterySettings,
  validateSupplySettings,
} from './settings';
export type { BatteryModelRef, BatterySettings, ProtectionClear, SupplySettings } from './settings';
export { BATTERY_RANGES, BUILT_IN_MODELS, MODEL_SLOTS, SUPPLY_RANGES } from './ranges';
export type { BuiltInModel } from './ranges';
export type {
  BatteryApplyResult,
  BatteryState,
  InstrumentIdentity,
  ProtectionState,
  SupplyMode,
  SupplyState,
} from './state';
export { planBattery, planSupply } from './ordering';
export * as replies from './replies';

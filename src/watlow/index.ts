/**
 * Watlow EZ-ZONE controllers over Std Bus and Modbus RTU: codecs, parameter catalogue,
 * controller and manager. See docs/watlow.md.
 */
export type { WatlowProtocol, WatlowDataType, WordOrder, ModbusMap, Selector, TypedValue } from './types';
export { PARAMETERS, findParameter, parameterNames, enumNameOf } from './catalogue';
export type { ParameterSpec, Access, UnitsKind, ModbusLocation } from './catalogue';
export {
  resolveParameter,
  validateInstance,
  coerceWriteValue,
  unitsLabel,
  parseParameterList,
} from './parameters';
export type { ResolvedParameter, TemperatureUnits, ParameterItem } from './parameters';
export { WatlowController, validateControllerConfig } from './controller';
export type {
  WatlowControllerConfig,
  ResolvedControllerConfig,
  WatlowReading,
  ReadRequest,
  WriteOptions,
  ControllerIdentity,
  ReadOutcome,
} from './controller';
export { WatlowManager } from './manager';
export type { AddControllerOptions, WatlowManagerOptions, PollOptions, ErrorPolicy } from './manager';
export {
  WatlowPollError,
  pollTargets,
  pollError,
  sampleOf,
  failedSample,
  errorOfSample,
  sampleTopic,
} from './poll';
export type { PollSample, PollItem, PollTarget } from './poll';
export { resolveLineOptions, defaultInterFrameGapMs } from './line';
export type { LineOptions } from './line';
export { crc8Header, crc16Data, crc16Modbus } from './crc';
export * as stdbus from './stdbus';
export * as modbus from './modbus';

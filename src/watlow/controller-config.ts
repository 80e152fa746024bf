/** What a Watlow controller is configured with, and what it returns: the controller's vocabulary. */
import type { LabbenchError } from '../core/errors';
import { requireEnum, requireInteger, requireSafeText } from '../core/validate';
import { MAX_UNIT } from '../modbus/rtu';
import type { CoalesceRules } from './modbus/coalesce';
import { DEFAULT_COALESCE_RULES } from './modbus/coalesce';
import type { TemperatureUnits } from './parameters';
import { MAX_STDBUS_ADDRESS } from './stdbus/frame';
import type { ModbusMap, WatlowDataType, WatlowProtocol, WordOrder } from './types';

export interface WatlowControllerConfig {
  /** Name used in samples, topics and messages. */
  name: string;
  protocol: WatlowProtocol;
  /** Std Bus 1..16, Modbus 1..247. */
  address: number;
  /** Modbus only: 32-bit word order (default `lowHigh`, the documented factory setting). */
  wordOrder?: WordOrder;
  /** Modbus only: register map (default 1). */
  map?: ModbusMap;
  /** Scale of temperatures on the wire, as asserted by the user (default °F, the factory setting). */
  temperatureUnits?: TemperatureUnits;
  /** Modbus read coalescing rules, or false to read each parameter on its own. */
  coalesce?: CoalesceRules | false;
}

export interface ResolvedControllerConfig {
  name: string;
  protocol: WatlowProtocol;
  address: number;
  wordOrder: WordOrder;
  map: ModbusMap;
  temperatureUnits: TemperatureUnits;
  coalesce: CoalesceRules | false;
}

/** Checks a controller configuration (node properties) before anything is opened. */
export function validateControllerConfig(config: WatlowControllerConfig): ResolvedControllerConfig {
  const name = requireSafeText(config.name, 'Controller name', { maxLength: 100 });
  const protocol = requireEnum(config.protocol, `Protocol of "${name}"`, ['stdbus', 'modbus'] as const);
  const maxAddress = protocol === 'stdbus' ? MAX_STDBUS_ADDRESS : MAX_UNIT;
  const address = requireInteger(
    config.address,
    `${protocol === 'stdbus' ? 'Std Bus' : 'Modbus'} address of "${name}"`,
    { min: 1, max: maxAddress },
  );
  const wordOrder = requireEnum(config.wordOrder ?? 'lowHigh', `Word order of "${name}"`, [
    'lowHigh',
    'highLow',
  ] as const);
  const mapNumber = requireInteger(config.map ?? 1, `Modbus map of "${name}"`, { min: 1, max: 2 });
  const temperatureUnits = requireEnum(config.temperatureUnits ?? 'F', `Temperature units of "${name}"`, [
    'F',
    'C',
  ] as const);
  return {
    name,
    protocol,
    address,
    wordOrder,
    map: mapNumber as ModbusMap,
    temperatureUnits,
    coalesce: config.coalesce === undefined ? DEFAULT_COALESCE_RULES : config.coalesce,
  };
}

/** One value read from (or stored in) a controller. */
export interface WatlowReading {
  controller: string;
  /** Catalogue name, or the ID as text for parameters outside the catalogue. */
  parameter: string;
  parameterId: number;
  instance: number;
  /** Number, or the enumeration's name (string values for string parameters). */
  value: number | string;
  /** The wire value: the enumeration code, the exact float32. */
  raw: number | string;
  units: string;
  type: WatlowDataType;
  /** ms since the epoch when the reply arrived. */
  timestamp: number;
  protocol: WatlowProtocol;
}

/** The outcome of one read of several: the reading, or why that one item failed. */
export type ReadOutcome =
  | { readonly ok: true; readonly reading: WatlowReading }
  | { readonly ok: false; readonly error: LabbenchError };

export interface ReadRequest {
  parameter: string | number;
  instance?: number;
}

export interface WriteOptions {
  instance?: number;
  /** Read back and compare (default true): E_VERIFY when the controller stored something else. */
  verify?: boolean;
}

export interface ControllerIdentity {
  protocol: WatlowProtocol;
  address: number;
  hardwareId?: number;
  firmwareId?: number;
  /** Std Bus only (not reachable over Modbus). */
  partNumber?: string;
  serialNumber?: string;
  /** `partial` when a secondary identity parameter could not be read. */
  health: 'ok' | 'partial';
}

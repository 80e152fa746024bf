/**
 * The configuration rules of the nodes' properties, written once. The runtime parses deployed
 * properties with them (nodes/shared/config.ts, the flow nodes), and the build bundles this module
 * with what it imports into `resources/labbench-rules.js` (scripts/build-editor-rules.js), which
 * every dialog loads as `LabbenchRules`: an editor validator runs the runtime's own check and
 * shows the runtime's own message. Pure: no I/O, no Node-RED, nothing of the process.
 */
// Module by module, not through core's index: the editor bundle must not pull in the registry.
import { InvalidInputError } from '../core/errors';
import { parseVisaResource, resourceKey, type SerialKeyOptions } from '../core/identity';
import { requireEnum, requireFiniteNumber, requireInteger, requireSafeText } from '../core/validate';
import { validateControllerConfig } from '../watlow/controller-config';
import {
  parseParameterList,
  requireWritable,
  resolveParameter,
  validateInstance,
} from '../watlow/parameters';
import type { ParameterItem, ResolvedParameter } from '../watlow/parameters';
import { PARAMETERS } from '../watlow/catalogue';
import { parseScpiTemplate, templatePlaceholderNames } from '../visa/scpi-template';
import { MODBUS_NODE_FIELDS, modbusFieldRefusal, type ModbusNodeField } from './modbus';
import { MODBUS_TABLES, MODBUS_VALUE_TYPES } from '../modbus/values';
import type { ModbusMap, WatlowProtocol, WordOrder } from '../watlow/types';

export interface SerialSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
}

export interface SerialPortConfig {
  path: string;
  settings: SerialSettings;
  /** Reply timeout, ms. */
  timeout: number;
  retries: number;
}

/** The shortest monitor / poll periods the flow nodes accept (0 = off). */
export const MIN_POLL_INTERVAL_MS = 50;
export const MIN_MONITOR_PERIOD_MS = 100;

function orDefault(value: unknown, fallback: unknown): unknown {
  return value === undefined || value === null || value === '' ? fallback : value;
}

function trimmed(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}

export function parseSerialPortConfig(def: Record<string, unknown>): SerialPortConfig {
  const path = requireSafeText(trimmed(def.path), 'Serial port path');
  const baudRate = requireInteger(orDefault(def.baudRate, 38400), 'Baud rate', { min: 50, max: 4_000_000 });
  const dataBits = requireInteger(orDefault(def.dataBits, 8), 'Data bits', { min: 5, max: 8 }) as
    5 | 6 | 7 | 8;
  const parity = requireEnum(orDefault(def.parity, 'none'), 'Parity', [
    'none',
    'even',
    'odd',
    'mark',
    'space',
  ] as const);
  const stopBitsN = requireFiniteNumber(orDefault(def.stopBits, 1), 'Stop bits');
  if (stopBitsN !== 1 && stopBitsN !== 1.5 && stopBitsN !== 2) {
    throw new InvalidInputError(`Stop bits must be 1, 1.5 or 2, got ${stopBitsN}.`);
  }
  const timeout = requireFiniteNumber(orDefault(def.timeout, 500), 'Reply timeout', {
    min: 10,
    max: 60_000,
    units: 'ms',
  });
  const retries = requireInteger(orDefault(def.retries, 2), 'Retries', { min: 0, max: 10 });
  return {
    path,
    settings: { baudRate, dataBits, parity, stopBits: stopBitsN as 1 | 1.5 | 2 },
    timeout,
    retries,
  };
}

export interface WatlowConfig {
  protocol: WatlowProtocol;
  address: number;
  wordOrder: WordOrder;
  map: ModbusMap;
}

/**
 * A labbench-watlow node's properties, checked by the controller's own configuration rules
 * (address range per protocol, word order, map), so the node and the library cannot disagree.
 */
export function parseWatlowConfig(def: Record<string, unknown>): WatlowConfig {
  const name = typeof def.name === 'string' && def.name.trim() !== '' ? def.name.trim() : 'controller';
  const config = validateControllerConfig({
    name,
    protocol: orDefault(def.protocol, 'stdbus') as WatlowProtocol,
    address: def.address as number,
    wordOrder: orDefault(def.wordOrder, 'lowHigh') as WordOrder,
    map: orDefault(def.map, 1) as ModbusMap,
  });
  return { protocol: config.protocol, address: config.address, wordOrder: config.wordOrder, map: config.map };
}

export interface VisaConfig {
  resource: string;
  timeout: number;
}

export function parseVisaConfig(def: Record<string, unknown>): VisaConfig {
  const resource = requireSafeText(trimmed(def.resource), 'VISA resource');
  parseVisaResource(resource); // refuses what is not a VISA resource string, at deploy
  const timeout = requireFiniteNumber(orDefault(def.timeout, 5000), 'VISA timeout', {
    min: 100,
    max: 120_000,
    units: 'ms',
  });
  return { resource, timeout };
}

/** A flow node's monitor / interval period: 0 (off) or at least `min` ms. */
export function parsePeriod(value: unknown, name: string, min: number): number {
  const n = requireFiniteNumber(orDefault(value, 0), name, { min: 0, max: 86_400_000, units: 'ms' });
  if (n !== 0 && n < min)
    throw new InvalidInputError(`${name} must be 0 (off) or at least ${min} ms, got ${n} ms.`);
  return n;
}

/** The instance number of a catalogue parameter: 1 up to what the catalogue says it has. */
export function parseInstance(parameter: unknown, instance: unknown): number {
  return validateInstance(resolveParameter(parameter), orDefault(instance, 1));
}

/** A watlow-write target: a catalogue parameter that can be written, or an ID outside the catalogue. */
export function parseWriteParameter(parameter: unknown): ResolvedParameter {
  const resolved = resolveParameter(typeof parameter === 'string' ? parameter.trim() : parameter);
  requireWritable(resolved);
  return resolved;
}

/** What a watlow-write node writes: the parameter (its catalogue name, or an ID outside it) and the instance. */
export function parseWriteTarget(
  parameter: unknown,
  instance: unknown,
): { parameter: string | number; instance: number } {
  const resolved = parseWriteParameter(parameter);
  return {
    parameter: resolved.spec ? resolved.name : resolved.id,
    instance: validateInstance(resolved, orDefault(instance, 1)),
  };
}

/** A watlow-poll node's parameter list, named as the node names it in its refusal. */
export function parsePollParameters(parameters: unknown): ParameterItem[] {
  return parseParameterList(parameters, 'The parameters property');
}

/** Most a scpi node's reply timeout may be: two minutes, as the instrument's own. */
export const MAX_SCPI_TIMEOUT_MS = 120_000;

/** A scpi node's reply timeout, ms: empty or 0 leaves the instrument's (undefined). */
export function parseScpiTimeout(value: unknown): number | undefined {
  const text = typeof value === 'string' ? value.trim() : value;
  if (text === undefined || text === null || text === '') return undefined;
  const n = typeof text === 'number' ? text : typeof text === 'string' ? Number(text) : NaN;
  if (n === 0) return undefined;
  if (!Number.isFinite(n) || n < 100 || n > MAX_SCPI_TIMEOUT_MS) {
    throw new InvalidInputError(
      `The timeout must be empty or 0 (the instrument's) or 100…${MAX_SCPI_TIMEOUT_MS} ms, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}

/**
 * What a labbench-cache-clear node clears: '' for every resource, else a serial path, `sim:` bus
 * or VISA resource string, checked as the cache keys it (so any spelling of a resource matches).
 */
export function parseCacheClearTarget(value: unknown, name: string, keyOptions?: SerialKeyOptions): string {
  const target = requireSafeText(orDefault(value, ''), name, { allowEmpty: true }).trim();
  if (target !== '') resourceKey(target, keyOptions);
  return target;
}

export {
  MODBUS_NODE_FIELDS,
  fieldNumber,
  modbusFieldRefusal,
  parseModbusNodeConfig,
  type ModbusNodeConfig,
  type ModbusNodeField,
  type ModbusOperation,
  type ModbusOutput,
} from './modbus';

// --- the editor's form: `true`, or the runtime's message ----------------------------------------

export type Verdict = true | string;

function verdict(check: () => unknown): Verdict {
  try {
    check();
    return true;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * What the dialogs ask, one check per property; `node` holds the other properties of the node
 * being edited (the address range depends on the protocol, the instance on the parameter).
 */
export const editorChecks = {
  serialPath: (v: unknown): Verdict => verdict(() => parseSerialPortConfig({ path: v })),
  baudRate: (v: unknown): Verdict => verdict(() => parseSerialPortConfig({ path: 'x', baudRate: v })),
  /** Any other serial setting (dataBits, parity, stopBits, timeout, retries) by its property name. */
  serialSetting: (field: string, v: unknown): Verdict =>
    verdict(() => parseSerialPortConfig({ path: 'x', [field]: v })),
  visaResource: (v: unknown): Verdict => verdict(() => parseVisaConfig({ resource: v })),
  visaTimeout: (v: unknown): Verdict =>
    verdict(() => parseVisaConfig({ resource: 'SIM::X::Y::INSTR', timeout: v })),
  watlowAddress: (v: unknown, node: Record<string, unknown> = {}): Verdict =>
    verdict(() => parseWatlowConfig({ name: node.name, protocol: node.protocol, address: v })),
  wordOrder: (v: unknown): Verdict => verdict(() => parseWatlowConfig({ address: 1, wordOrder: v })),
  map: (v: unknown): Verdict => verdict(() => parseWatlowConfig({ address: 1, map: v })),
  pollInterval: (v: unknown): Verdict => verdict(() => parsePeriod(v, 'Interval', MIN_POLL_INTERVAL_MS)),
  monitorPeriod: (v: unknown): Verdict =>
    verdict(() => parsePeriod(v, 'Monitor period', MIN_MONITOR_PERIOD_MS)),
  /** The instance of `node.parameter`; a parameter outside the catalogue is checked at run time. */
  instance: (v: unknown, node: Record<string, unknown> = {}): Verdict =>
    verdict(() => {
      let parameter: ResolvedParameter;
      try {
        parameter = resolveParameter(node.parameter);
      } catch {
        // Not a parameter (yet): its own validator says so; the instance byte's range still applies.
        parameter = { id: 0, name: 'the parameter', spec: undefined };
      }
      return validateInstance(parameter, orDefault(v, 1));
    }),
  /** watlow-write: unknown names and read-only parameters, refused as a write would refuse them. */
  writeParameter: (v: unknown): Verdict => verdict(() => parseWriteParameter(v)),
  /** watlow-poll: the whole list as saved (rows of {parameter, instance}). */
  pollParameters: (v: unknown): Verdict => verdict(() => parsePollParameters(v)),
  /** modbus: the runtime's refusal of the node's properties `node`, where `field` takes part in it. */
  modbus: (field: ModbusNodeField, node: Record<string, unknown>): Verdict =>
    modbusFieldRefusal(node, field) ?? true,
  modbusFields: MODBUS_NODE_FIELDS,
  modbusTables: MODBUS_TABLES,
  modbusValueTypes: MODBUS_VALUE_TYPES,
  /** scpi: the template engine's problems with the command and its placeholder rows, as one text. */
  scpiCommand: (v: unknown, node: Record<string, unknown> = {}): Verdict => {
    const parsed = parseScpiTemplate(v, node.placeholders ?? []);
    return parsed.ok ? true : parsed.problems.join(' ');
  },
  /** scpi: the reply timeout (empty or 0 = the instrument's). */
  scpiTimeout: (v: unknown): Verdict => verdict(() => parseScpiTimeout(v)),
  /**
   * labbench-cache-clear's target property. The editor cannot resolve the runtime's symlinks, so
   * a serial path is taken as written; that never changes whether it is accepted.
   */
  cacheClearTarget: (v: unknown): Verdict =>
    verdict(() => parseCacheClearTarget(v, 'Target', { realpath: (p) => p })),
  /** The Watlow catalogue's names and whether each can be written, for the parameter pickers. */
  watlowParameters: (): { value: string; label: string; writable: boolean }[] =>
    PARAMETERS.map((p) => ({ value: p.name, label: p.name, writable: p.writable })),
  /** The template engine itself, for the scpi dialog's placeholder rows and its summary line. */
  scpiTemplate: { parseScpiTemplate, templatePlaceholderNames },
};

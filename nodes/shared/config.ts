/**
 * Parsing of config-node properties into typed settings, with the one validation helper
 * (src/core/validate.ts). The editor validates the same rules; this is the runtime's check for
 * flows imported or edited by hand.
 */
import { InvalidInputError } from '../../src/core';
import { parseVisaResource } from '../../src/core';
import { requireEnum, requireFiniteNumber, requireInteger, requireSafeText } from '../../src/core';

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

function orDefault(value: unknown, fallback: unknown): unknown {
  return value === undefined || value === null || value === '' ? fallback : value;
}

export function parseSerialPortConfig(def: Record<string, unknown>): SerialPortConfig {
  const path = requireSafeText(typeof def.path === 'string' ? def.path.trim() : def.path, 'Serial port path');
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

export type WatlowProtocol = 'stdbus' | 'modbus';

export interface WatlowConfig {
  protocol: WatlowProtocol;
  address: number;
  wordOrder: 'lowHigh' | 'highLow';
  map: 1 | 2;
}

export function parseWatlowConfig(def: Record<string, unknown>): WatlowConfig {
  const protocol = requireEnum(orDefault(def.protocol, 'stdbus'), 'Protocol', ['stdbus', 'modbus'] as const);
  const address = requireInteger(def.address, 'Controller address', {
    min: 1,
    max: protocol === 'modbus' ? 247 : 16,
  });
  const wordOrder = requireEnum(orDefault(def.wordOrder, 'lowHigh'), 'Word order', [
    'lowHigh',
    'highLow',
  ] as const);
  const map = requireInteger(orDefault(def.map, 1), 'Data map', { min: 1, max: 2 }) as 1 | 2;
  return { protocol, address, wordOrder, map };
}

export interface VisaConfig {
  resource: string;
  timeout: number;
}

export function parseVisaConfig(def: Record<string, unknown>): VisaConfig {
  const resource = requireSafeText(
    typeof def.resource === 'string' ? def.resource.trim() : def.resource,
    'VISA resource',
  );
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

/** 'labbench-watlow "Oven 1"' — how nodes are named in error messages. */
export function describeNode(node: { type: string; name?: string; id: string }): string {
  return node.name ? `${node.type} "${node.name}"` : `${node.type} ${node.id}`;
}

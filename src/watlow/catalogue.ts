/**
 * The EZ-ZONE PM parameter catalogue: what the poll and write nodes can name. The rows themselves
 * are data (catalogue-data.ts); here they become frozen `ParameterSpec`s with their instance
 * geometry, and are looked up by name or ID.
 */
import { CATALOGUE_ROWS } from './catalogue-data';
import type { CatalogueRow } from './catalogue-data';
import type { WatlowDataType } from './types';

export type Access = 'R' | 'RW' | 'RWE' | 'RWES';

/** `temperature` is resolved per controller to °F (the wire default) or °C (asserted by the user). */
export type UnitsKind = 'temperature' | '%' | 's' | 'A' | 'deg/min' | '';

export interface ModbusLocation {
  /** Relative (0-based PDU) register of instance 1 in Map 1; null = not reachable over Modbus. */
  readonly map1: number | null;
  /** The same in Map 2; null = unknown or absent. */
  readonly map2: number | null;
  /** Registers between consecutive instances, per map. */
  readonly offset1: number;
  readonly offset2: number;
}

export interface ParameterSpec {
  readonly name: string;
  readonly id: number;
  readonly label: string;
  readonly type: WatlowDataType;
  readonly units: UnitsKind;
  readonly access: Access;
  readonly writable: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Enumeration name → wire code. Names are lower camel case, as users type them ("auto", "pid", "yes"). */
  readonly enumCodes?: Readonly<Record<string, number>>;
  /** Highest instance on a PM (register list `max_instance`); a real SKU may fit fewer. */
  readonly maxInstance: number;
  /** What an instance number means, for messages ("loop 2"). */
  readonly instanceKind: 'input' | 'loop' | 'alarm' | 'output' | 'port' | 'unit';
  readonly modbus: ModbusLocation;
}

/** Instance geometry per register-list class. */
export type Block =
  'identity' | 'input' | 'setPoint' | 'loop' | 'alarm' | 'dio' | 'comms' | 'single' | 'inputOfLoop';
const BLOCKS: Record<
  Block,
  { maxInstance: number; instanceKind: ParameterSpec['instanceKind']; offset1: number; offset2: number }
> = {
  identity: { maxInstance: 1, instanceKind: 'unit', offset1: 0, offset2: 0 },
  single: { maxInstance: 1, instanceKind: 'unit', offset1: 0, offset2: 0 },
  input: { maxInstance: 2, instanceKind: 'input', offset1: 80, offset2: 90 },
  // 8031 lives in the analog-input block (same register as 4022), addressed by loop number.
  inputOfLoop: { maxInstance: 2, instanceKind: 'loop', offset1: 80, offset2: 90 },
  setPoint: { maxInstance: 2, instanceKind: 'loop', offset1: 80, offset2: 80 },
  loop: { maxInstance: 2, instanceKind: 'loop', offset1: 70, offset2: 70 },
  alarm: { maxInstance: 4, instanceKind: 'alarm', offset1: 50, offset2: 60 },
  dio: { maxInstance: 8, instanceKind: 'output', offset1: 30, offset2: 30 },
  comms: { maxInstance: 2, instanceKind: 'port', offset1: 20, offset2: 20 },
};

function build(row: CatalogueRow): ParameterSpec {
  const [name, id, label, type, units, access, block, map1, map2, extra = {}] = row;
  const geometry = BLOCKS[block];
  return Object.freeze({
    name,
    id,
    label,
    type,
    units,
    access,
    ...(extra.min !== undefined ? { min: extra.min } : {}),
    ...(extra.max !== undefined ? { max: extra.max } : {}),
    ...(extra.enumCodes ? { enumCodes: Object.freeze({ ...extra.enumCodes }) } : {}),
    writable: access !== 'R',
    maxInstance: geometry.maxInstance,
    instanceKind: geometry.instanceKind,
    modbus: Object.freeze({ map1, map2, offset1: geometry.offset1, offset2: geometry.offset2 }),
  });
}

/** Every catalogue parameter, in register-list order. */
export const PARAMETERS: readonly ParameterSpec[] = Object.freeze(CATALOGUE_ROWS.map(build));

const byName = new Map(PARAMETERS.map((p) => [p.name.toLowerCase(), p]));
const byId = new Map(PARAMETERS.map((p) => [p.id, p]));

/** Looks a parameter up by catalogue name (case-insensitive) or numeric ID (number or digits). */
export function findParameter(nameOrId: string | number): ParameterSpec | undefined {
  if (typeof nameOrId === 'number') return byId.get(nameOrId);
  if (typeof nameOrId !== 'string') return undefined;
  const text = nameOrId.trim();
  if (/^\d+$/.test(text)) return byId.get(Number(text));
  return byName.get(text.toLowerCase());
}

/** Names of every catalogue parameter (for editor drop-downs and error messages). */
export function parameterNames(): string[] {
  return PARAMETERS.map((p) => p.name);
}

/** Enumeration code → name, or undefined when the catalogue does not name that code. */
export function enumNameOf(spec: ParameterSpec, code: number): string | undefined {
  if (!spec.enumCodes) return undefined;
  for (const [name, value] of Object.entries(spec.enumCodes)) if (value === code) return name;
  return undefined;
}

/**
 * The `modbus` node's properties, checked with the library's own Modbus rules (values.ts) so the
 * node refuses at deploy exactly what it would refuse on the wire. Properties left empty
 * (address, register, count) come from the message (`msg.address`, `msg.register`, `msg.count`).
 * The editor's dialog runs this same module (bundled into resources/labbench-rules.js).
 */
import { InvalidInputError, ReadOnlyError } from '../core/errors';
import type { ValueSpecInput } from '../modbus/values';
import { validateUnitAddress, validateValueSpec } from '../modbus/values';

export type ModbusOperation = 'read' | 'write';
export type ModbusOutput = 'value' | 'perValue';

export interface ModbusNodeConfig {
  operation: ModbusOperation;
  /** undefined: taken from msg.address. */
  address: number | undefined;
  /** The value spec; `register` / `count` undefined: taken from the message. */
  spec: Omit<ValueSpecInput, 'register' | 'count'> & { register?: number; count?: number };
  interval: number;
  output: ModbusOutput;
}

/** The node's properties, as the dialog names them. */
export const MODBUS_NODE_FIELDS = [
  'operation',
  'address',
  'table',
  'register',
  'dataType',
  'count',
  'wordOrder',
  'scale',
  'interval',
  'output',
] as const;
export type ModbusNodeField = (typeof MODBUS_NODE_FIELDS)[number];

/** An editor text field as a number: blank → undefined, a number string → its number, else as is. */
export function fieldNumber(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    const n = Number(text);
    return Number.isNaN(n) ? value : n;
  }
  return value;
}

function choice<T extends string>(value: unknown, what: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidInputError(`${what} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
}

/** Parses and validates the node's properties (throws the first refusal). */
export function parseModbusNodeConfig(def: Record<string, unknown>): ModbusNodeConfig {
  const operation = choice<ModbusOperation>(def.operation, 'Operation', ['read', 'write'], 'read');
  const output = choice<ModbusOutput>(def.output, 'Output', ['value', 'perValue'], 'value');
  const rawAddress = fieldNumber(def.address);
  const address = rawAddress === undefined ? undefined : validateUnitAddress(rawAddress, operation);
  const register = fieldNumber(def.register);
  const count = fieldNumber(def.count);
  const spec = {
    table: def.table,
    // `type` is the Node-RED node's own type, so the value type is the `dataType` property.
    type: def.dataType,
    wordOrder: def.wordOrder,
    scale: fieldNumber(def.scale),
  };
  // Everything but what the message may supply is checked now (register 0 and count 1 stand in).
  validateValueSpec({ ...spec, register: register ?? 0, count: count ?? 1 });
  if (operation === 'write' && (spec.table === 'input' || spec.table === 'discrete'))
    validateWriteTable(String(spec.table));
  const interval = fieldNumber(def.interval) ?? 0;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || (interval !== 0 && interval < 50))
    throw new InvalidInputError(
      `Interval must be 0 (on input only) or a whole number of at least 50 ms; got ${JSON.stringify(def.interval)}.`,
    );
  if (operation === 'write' && interval > 0)
    throw new InvalidInputError(
      'Interval applies to reads only; a write runs once per message (set it to 0).',
    );
  return {
    operation,
    address,
    spec: { ...spec, register: register as number | undefined, count: count as number | undefined },
    interval,
    output,
  };
}

function validateWriteTable(table: string): never {
  throw new ReadOnlyError(
    `The ${table} table is read-only in Modbus; write to holding registers or coils, or set the operation to read.`,
  );
}

function refusal(def: Record<string, unknown>): string | undefined {
  try {
    parseModbusNodeConfig(def);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The runtime's refusal of `def`, shown on `field` when that field takes part in it: emptying
 * the field (its default, or "from the message") makes the refusal go away. A refusal no single
 * field lifts is shown on the operation, so the dialog is never valid where a deploy would fail.
 */
export function modbusFieldRefusal(def: Record<string, unknown>, field: ModbusNodeField): string | undefined {
  const message = refusal(def);
  if (message === undefined) return undefined;
  const lifts = (f: ModbusNodeField): boolean => refusal({ ...def, [f]: '' }) !== message;
  if (lifts(field)) return message;
  return field === 'operation' && !MODBUS_NODE_FIELDS.some(lifts) ? message : undefined;
}

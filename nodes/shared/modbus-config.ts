/**
 * The `modbus` node's properties, checked with the library's own Modbus rules (values.ts) so the
 * node refuses at deploy exactly what it would refuse on the wire. Properties left empty
 * (address, register, count) come from the message (`msg.address`, `msg.register`, `msg.count`);
 * the editor's copy of these rules is resources/labbench-modbus-rules.js, compared with this one
 * by test/modbus/editor-rules.test.ts.
 */
import { InvalidInputError, ReadOnlyError } from '../../src/core';
import type { ValueSpec, ValueSpecInput } from '../../src/modbus';
import { validateUnitAddress, validateValueSpec } from '../../src/modbus';

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

/** The unit and value spec of one message: the node's properties, or the message where they are empty. */
export function resolveForMessage(
  config: ModbusNodeConfig,
  msg: { address?: unknown; register?: unknown; count?: unknown },
): { unit: number; spec: ValueSpec } {
  const unit =
    config.address ??
    validateUnitAddress(msg.address === undefined ? missing('address') : msg.address, config.operation);
  const spec = validateValueSpec({
    ...config.spec,
    register: config.spec.register ?? (msg.register === undefined ? missing('register') : msg.register),
    count: config.spec.count ?? msg.count,
  });
  return { unit, spec };
}

function missing(what: 'address' | 'register'): never {
  throw new InvalidInputError(
    `This modbus node has no ${what}: set it in the node, or send msg.${what} with the message.`,
  );
}

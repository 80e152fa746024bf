/**
 * Typed reads and writes of any Modbus device on a shared port: what the `modbus` flow node (and
 * a library user) asks for. Values are validated and planned (values.ts) before any byte is sent;
 * the requests of one operation — a read split at the protocol's limits, a write of several
 * chunks — run as ONE transaction of the port, so no other master's request lands between them.
 */
import { InvalidInputError } from '../core/errors';
import { exchangeBudgetMs, resolveLineOptions, type StreamPort } from '../transport/framed-line';
import { ModbusClient } from './client';
import { inOneTransaction, modbusLinkForPath } from './port-link';
import { DEFAULT_BROADCAST_TURNAROUND_MS } from './rtu-link';
import type { RtuLinkOptions } from './rtu-link';
import type { ModbusValue, ReadRequest, ValueSpec, WriteRequest } from './values';
import { MODBUS_FC, decodeValues, planReads, planWrites } from './values';

/** A port as the operations use it: its lease, its path (which picks the framing), its line timing. */
export interface ModbusPortAccess {
  port: StreamPort;
  /** The user's port path: `modbus-tcp://` selects MBAP framing, anything else RTU. */
  path: string;
  line?: RtuLinkOptions;
}

export interface ModbusReadResult {
  values: ModbusValue[];
  /** The register words or bits as read, in address order. */
  raw: number[] | boolean[];
  /** How many requests the read took. */
  requests: number;
}

export interface ModbusWriteResult {
  /** The register words or coil states written, in address order. */
  raw: number[] | boolean[];
  requests: number;
}

/**
 * The bound on `exchanges` requests with all their retries: the line's own budget (reply timeout,
 * silence and settle time per attempt), computed once for every master on a port.
 */
function budgetMs(line: RtuLinkOptions = {}, exchanges: number, extraMs = 0): number {
  return exchangeBudgetMs(resolveLineOptions(line), exchanges, extraMs);
}

/**
 * Runs `fn` with a Modbus client on the port held for ONE transaction: its requests (up to
 * `exchanges` of them, plus `extraMs`, bound the time) follow each other with nothing from
 * another master in between.
 */
export function inOneModbusTransaction<T>(
  access: ModbusPortAccess,
  exchanges: number,
  label: string,
  fn: (client: ModbusClient) => Promise<T>,
  extraMs = 0,
): Promise<T> {
  const budget = budgetMs(access.line, exchanges, extraMs);
  return inOneTransaction(access.port, budget, label, (held) =>
    fn(new ModbusClient(modbusLinkForPath(held, access.path, access.line))),
  );
}

function readOne(client: ModbusClient, unit: number, r: ReadRequest): Promise<number[] | boolean[]> {
  switch (r.fc) {
    case MODBUS_FC.readCoils:
      return client.readCoils(unit, r.start, r.quantity);
    case MODBUS_FC.readDiscreteInputs:
      return client.readDiscreteInputs(unit, r.start, r.quantity);
    case MODBUS_FC.readHoldingRegisters:
      return client.readHoldingRegisters(unit, r.start, r.quantity);
    case MODBUS_FC.readInputRegisters:
      return client.readInputRegisters(unit, r.start, r.quantity);
    default:
      throw new InvalidInputError(`Function 0x${r.fc.toString(16)} is not a read.`);
  }
}

function writeOne(client: ModbusClient, unit: number, w: WriteRequest): Promise<void> {
  switch (w.fc) {
    case MODBUS_FC.writeSingleCoil:
      return client.writeSingleCoil(unit, w.start, (w.values as boolean[])[0]!);
    case MODBUS_FC.writeMultipleCoils:
      return client.writeMultipleCoils(unit, w.start, w.values as boolean[]);
    case MODBUS_FC.writeSingleRegister:
      return client.writeSingleRegister(unit, w.start, (w.values as number[])[0]!);
    case MODBUS_FC.writeMultipleRegisters:
      return client.writeMultipleRegisters(unit, w.start, w.values as number[]);
    default:
      throw new InvalidInputError(`Function 0x${w.fc.toString(16)} is not a write.`);
  }
}

/** Reads `spec` from `unit` (1..247) in one transaction of the port. */
export function readModbusValues(
  access: ModbusPortAccess,
  unit: number,
  spec: ValueSpec,
): Promise<ModbusReadResult> {
  const requests = planReads(spec);
  const label = `read ${spec.table} ${spec.register} (Modbus unit ${unit})`;
  return inOneModbusTransaction(access, requests.length, label, async (client) => {
    const raw: (number | boolean)[] = [];
    for (const request of requests) raw.push(...(await readOne(client, unit, request)));
    const words = raw as number[] | boolean[];
    return { values: decodeValues(spec, words), raw: words, requests: requests.length };
  });
}

/**
 * Writes `payload` (a value, or an array of `spec.count` values) to `unit` (0 = broadcast). The
 * payload is validated and encoded before the port is touched: a refusal sends nothing.
 */
export function writeModbusValues(
  access: ModbusPortAccess,
  unit: number,
  spec: ValueSpec,
  payload: unknown,
): Promise<ModbusWriteResult> {
  let writes: WriteRequest[];
  try {
    writes = planWrites(spec, payload);
  } catch (err) {
    return Promise.reject(err);
  }
  // A broadcast is followed by the line's quiet turnaround per write.
  const turnaround = access.line?.broadcastTurnaroundMs ?? DEFAULT_BROADCAST_TURNAROUND_MS;
  const turnaroundMs = unit === 0 ? turnaround * writes.length : 0;
  const label = `write ${spec.table} ${spec.register} (Modbus unit ${unit})`;
  return inOneModbusTransaction(
    access,
    writes.length,
    label,
    async (client) => {
      for (const write of writes) await writeOne(client, unit, write);
      const raw = writes.flatMap((w) => w.values as (number | boolean)[]) as number[] | boolean[];
      return { raw, requests: writes.length };
    },
    turnaroundMs,
  );
}

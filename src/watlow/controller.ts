/**
 * One EZ-ZONE controller on a shared line: read and write parameters by name or ID and instance,
 * identify the unit, verify writes, and remember parameters the unit does not have (the
 * availability cache), so a poll that names them fails fast instead of asking again.
 *
 * Everything a user supplies is validated before any byte is sent. Device refusals become
 * DeviceError (deviceCode = the Watlow error byte or Modbus exception code).
 */
import {
  DeviceError,
  LabbenchError,
  InvalidInputError,
  ProtocolError,
  ReadOnlyError,
  UnsupportedError,
  VerifyError,
  toLabbenchError,
} from '../core/errors';
import type { Lease } from '../core/registry';
import { requireEnum, requireInteger, requireSafeText } from '../core/validate';
import type { ByteStream } from '../transport/types';
import type { ParameterSpec } from './catalogue';
import type { LineOptions } from './line';
import { WatlowLine } from './line';
import type { CoalesceRules } from './modbus/coalesce';
import { DEFAULT_COALESCE_RULES, coalesceReads } from './modbus/coalesce';
import type { RegisterLocation } from './modbus/registers';
import { decodeRegisters, encodeRegisters, registerOf } from './modbus/registers';
import { ModbusReplyReader } from './modbus/reader';
import type { ModbusRequest, ModbusResponse } from './modbus/rtu';
import {
  FC_READ_HOLDING,
  FC_WRITE_MULTIPLE,
  FC_WRITE_SINGLE,
  describeModbusException,
  encodeModbusRequest,
  EXCEPTION,
} from './modbus/rtu';
import type { ResolvedParameter, TemperatureUnits } from './parameters';
import {
  coerceWriteValue,
  presentValue,
  resolveParameter,
  sameStoredValue,
  unitsLabel,
  validateInstance,
} from './parameters';
import { MAX_STDBUS_ADDRESS, encodeRequestFrame } from './stdbus/frame';
import type { StdBusRequest, StdBusResponse } from './stdbus/payload';
import { describeStdBusError, encodeRequest, selectorOf } from './stdbus/payload';
import { StdBusReplyReader } from './stdbus/reader';
import type { ModbusMap, TypedValue, WatlowDataType, WatlowProtocol, WordOrder } from './types';
import { hex } from './types';

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
  const maxAddress = protocol === 'stdbus' ? MAX_STDBUS_ADDRESS : 247;
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

/** What the controller learned about the device; lives in the port's driver cache (cleared by cache-clear). */
interface DeviceKnowledge {
  /** "id" or "id:instance" → the refusal that proved it absent. */
  unsupported: Map<string, LabbenchError>;
  /** Types of parameters outside the catalogue, learned from replies. */
  learnedTypes: Map<number, WatlowDataType>;
  /** Coalesced register blocks the device refused; read item by item from then on. */
  noCoalesce: Set<string>;
  identity?: ControllerIdentity;
}

function isError(x: unknown): x is LabbenchError {
  return x instanceof Error;
}

export class WatlowController {
  readonly config: ResolvedControllerConfig;
  private readonly line: WatlowLine;
  private released = false;

  constructor(
    readonly lease: Lease<ByteStream>,
    config: WatlowControllerConfig,
    lineOptions: LineOptions = {},
  ) {
    this.config = validateControllerConfig(config);
    this.line = new WatlowLine(lease, lineOptions, this.config.protocol);
  }

  get name(): string {
    return this.config.name;
  }

  get protocol(): WatlowProtocol {
    return this.config.protocol;
  }

  get address(): number {
    return this.config.address;
  }

  get portLabel(): string {
    return this.line.portLabel;
  }

  /** 'Watlow "oven" (Std Bus address 1 on /dev/ttyUSB0)' */
  get description(): string {
    const proto = this.protocol === 'stdbus' ? 'Std Bus' : `Modbus map ${this.config.map}`;
    return `Watlow "${this.name}" (${proto} address ${this.address} on ${this.portLabel})`;
  }

  private knowledge(): DeviceKnowledge {
    return this.lease.resource.cache.get<DeviceKnowledge>(`watlow:${this.protocol}:${this.address}`, () => ({
      unsupported: new Map(),
      learnedTypes: new Map(),
      noCoalesce: new Set(),
    }));
  }

  /** Forgets what was learned (unsupported parameters, identity); the next use asks the device again. */
  forgetKnowledge(): void {
    this.lease.resource.cache.delete(`watlow:${this.protocol}:${this.address}`);
  }

  /** Releases this controller's lease; the port closes when its last user lets go. */
  close(options: { immediate?: boolean } = {}): void {
    if (this.released) return;
    this.released = true;
    this.lease.release(options);
  }

  // ---- reading -------------------------------------------------------------------------------

  async read(parameter: string | number, instance: number = 1): Promise<WatlowReading> {
    const [result] = await this.readMany([{ parameter, instance }]);
    if (isError(result)) throw result;
    return result!;
  }

  /**
   * Reads several parameters; each result is a reading or the error for that item (never throws).
   * Over Modbus, parameters whose registers lie close together share one FC 03 request.
   */
  async readMany(requests: readonly ReadRequest[]): Promise<(WatlowReading | LabbenchError)[]> {
    const results: (WatlowReading | LabbenchError | undefined)[] = new Array(requests.length).fill(undefined);
    const valid: { index: number; parameter: ResolvedParameter; instance: number }[] = [];
    requests.forEach((request, index) => {
      try {
        const parameter = resolveParameter(request.parameter);
        const instance = validateInstance(parameter, request.instance ?? 1);
        this.checkKnownUnsupported(parameter, instance);
        valid.push({ index, parameter, instance });
      } catch (err) {
        results[index] = this.contextualise(err);
      }
    });
    if (this.protocol === 'stdbus') {
      for (const item of valid) {
        try {
          results[item.index] = await this.readStdBus(item.parameter, item.instance);
        } catch (err) {
          results[item.index] = this.contextualise(err);
        }
      }
    } else {
      await this.readModbusItems(valid, results);
    }
    return results as (WatlowReading | LabbenchError)[];
  }

  private readingOf(
    parameter: ResolvedParameter,
    instance: number,
    type: WatlowDataType,
    raw: number | string,
  ): WatlowReading {
    return {
      controller: this.name,
      parameter: parameter.name,
      parameterId: parameter.id,
      instance,
      value: presentValue(parameter.spec, type, raw),
      raw,
      units: unitsLabel(parameter.spec?.units, this.config.temperatureUnits),
      type,
      timestamp: Date.now(),
      protocol: this.protocol,
    };
  }

  private describeParameter(parameter: ResolvedParameter, instance: number): string {
    const named = parameter.spec ? `${parameter.name} (${parameter.id})` : `parameter ${parameter.id}`;
    return `${named} instance ${instance}`;
  }

  private silentHint(): string {
    return this.protocol === 'stdbus'
      ? `Check power, RS-485 wiring (A/B polarity, common ground), that the controller's Std Bus address is ${this.address} and that it speaks Standard Bus (38400 8N1).`
      : `Check power, RS-485 wiring, the controller's Modbus address (${this.address}, parameter 17007), baud rate and parity (17002/17003) and that its protocol (17009) is Modbus.`;
  }

  /** Adds "where" to errors raised without it (validation happens before the controller is known). */
  private contextualise(err: unknown): LabbenchError {
    const e = toLabbenchError(err, { resource: this.portLabel });
    if (e.message.includes(this.description)) return e;
    const message = `${this.description}: ${e.message}`;
    const options = { resource: e.resource ?? this.portLabel, deviceCode: e.deviceCode, cause: e.cause };
    if (e.constructor === LabbenchError) return new LabbenchError(e.code, message, options);
    const Subclass = e.constructor as new (message: string, options: object) => LabbenchError;
    return new Subclass(message, options);
  }

  private unsupportedKey(parameter: ResolvedParameter, instance: number, perInstance: boolean): string {
    return perInstance ? `${parameter.id}:${instance}` : `${parameter.id}`;
  }

  private checkKnownUnsupported(parameter: ResolvedParameter, instance: number): void {
    const known = this.knowledge().unsupported;
    const hit =
      known.get(this.unsupportedKey(parameter, instance, false)) ??
      known.get(this.unsupportedKey(parameter, instance, true));
    if (hit) {
      throw new DeviceError(
        `${hit.message} (remembered from an earlier reply; not asked again until the driver cache is cleared)`,
        {
          resource: this.portLabel,
          deviceCode: hit.deviceCode,
        },
      );
    }
  }

  // ---- Std Bus -------------------------------------------------------------------------------

  private async stdBusTransaction(request: StdBusRequest, what: string): Promise<StdBusResponse> {
    const frame = encodeRequestFrame(this.address, encodeRequest(request));
    return this.line.exchange(frame, () => new StdBusReplyReader(this.address, request), {
      what,
      where: this.description,
      silentHint: this.silentHint(),
    });
  }

  private stdBusRefusal(
    response: StdBusResponse,
    parameter: ResolvedParameter,
    instance: number,
    what: string,
  ): LabbenchError {
    if (response.kind === 'error') {
      const code = `0x${response.code.toString(16).toUpperCase()}`;
      const meaning = describeStdBusError(response.code);
      const advice =
        response.code === 0x81 || response.code === 0x83
          ? 'This controller does not have that parameter; remove it from the poll or check the part number.'
          : response.code === 0x84
            ? `Use an instance this controller has (the ${parameter.spec?.instanceKind ?? 'instance'} numbers fitted).`
            : response.code === 0x80
              ? "The parameter may be read-only or locked; check the controller's lock settings."
              : 'Check the value and the parameter type.';
      const err = new DeviceError(
        `${this.description} refused to ${what}: error ${code}, ${meaning}. ${advice}`,
        {
          resource: this.portLabel,
          deviceCode: response.code,
        },
      );
      // 0x81/0x83 are permanent for the parameter; 0x84 concerns one instance and is not cached
      // (as in watlowlib), nor are refusals of writes.
      if (response.code === 0x81 || response.code === 0x83)
        this.knowledge().unsupported.set(this.unsupportedKey(parameter, instance, false), err);
      return err;
    }
    if (response.kind === 'unrecognised') {
      return new ProtocolError(
        `${this.description} gave an unrecognised reply to ${what} (service 0x${response.service.toString(16)}: ${hex(response.bytes)}). The meaning of such replies is undocumented; check the parameter and instance.`,
        { resource: this.portLabel },
      );
    }
    return new ProtocolError(
      `${this.description} answered ${what} with an unexpected ${response.kind} reply.`,
      { resource: this.portLabel },
    );
  }

  private async readStdBusValue(parameter: ResolvedParameter, instance: number): Promise<TypedValue> {
    const what = `read ${this.describeParameter(parameter, instance)}`;
    const selector = selectorOf(parameter.id, instance);
    const response = await this.stdBusTransaction({ service: 'read', selector }, what);
    if (response.kind !== 'read') throw this.stdBusRefusal(response, parameter, instance, what);
    if (!parameter.spec) this.knowledge().learnedTypes.set(parameter.id, response.value.type);
    return response.value;
  }

  private async readStdBus(parameter: ResolvedParameter, instance: number): Promise<WatlowReading> {
    const value = await this.readStdBusValue(parameter, instance);
    return this.readingOf(parameter, instance, value.type, value.value);
  }

  // ---- Modbus --------------------------------------------------------------------------------

  private async modbusTransaction(request: ModbusRequest, what: string): Promise<ModbusResponse> {
    const bytes = encodeModbusRequest(request);
    return this.line.exchange(
      bytes,
      (bus) => new ModbusReplyReader(request, bytes, { expectEcho: bus.echoSeen }),
      {
        what,
        where: this.description,
        silentHint: this.silentHint(),
      },
    );
  }

  private modbusRefusal(code: number, what: string, rememberKeys: string[]): DeviceError {
    const advice =
      code === EXCEPTION.illegalDataAddress
        ? `The register is absent on this controller or in data map ${this.config.map}; check the parameter, the instance and the controller's map setting.`
        : code === EXCEPTION.illegalDataValue
          ? 'The controller refused the value; check its range on the front panel.'
          : 'Check the controller.';
    const err = new DeviceError(
      `${this.description} refused to ${what}: Modbus exception ${code} (${describeModbusException(code)}). ${advice}`,
      { resource: this.portLabel, deviceCode: code },
    );
    // Exceptions 01/02 mean "not there" and are remembered; 03/04 are not (as in watlowlib).
    if (code === EXCEPTION.illegalFunction || code === EXCEPTION.illegalDataAddress) {
      for (const key of rememberKeys) this.knowledge().unsupported.set(key, err);
    }
    return err;
  }

  /** Register location of a parameter, or UnsupportedError before any I/O. */
  private modbusLocation(parameter: ResolvedParameter, instance: number): RegisterLocation {
    const spec = parameter.spec;
    if (!spec) {
      throw new UnsupportedError(
        `${this.description}: parameter ${parameter.id} is not in the catalogue, so its Modbus register is unknown. Use a catalogue parameter, or Std Bus, which addresses any parameter ID.`,
        { resource: this.portLabel },
      );
    }
    const location = registerOf(spec, instance, this.config.map);
    if (!location) {
      const why =
        spec.type === 'string'
          ? 'text parameters are not reachable over Modbus on an EZ-ZONE PM'
          : `its register in Modbus map ${this.config.map} is not documented`;
      throw new UnsupportedError(
        `${this.description}: ${spec.name} (${spec.id}) cannot be read over Modbus: ${why}. Use Std Bus${this.config.map === 2 ? ' or map 1' : ''}.`,
        {
          resource: this.portLabel,
        },
      );
    }
    return location;
  }

  private async readModbusItems(
    items: { index: number; parameter: ResolvedParameter; instance: number }[],
    results: (WatlowReading | LabbenchError | undefined)[],
  ): Promise<void> {
    const located: {
      item: { index: number; parameter: ResolvedParameter; instance: number };
      location: RegisterLocation;
    }[] = [];
    for (const item of items) {
      try {
        located.push({ item, location: this.modbusLocation(item.parameter, item.instance) });
      } catch (err) {
        results[item.index] = this.contextualise(err);
      }
    }
    const rules = this.config.coalesce;
    const blocks =
      rules === false
        ? located.map((l) => ({
            address: l.location.address,
            count: l.location.count,
            items: [{ ...l, offset: 0 }],
          }))
        : coalesceReads(located, rules);
    for (const block of blocks) {
      const blockKey = `${block.address}+${block.count}`;
      if (block.items.length > 1 && !this.knowledge().noCoalesce.has(blockKey)) {
        try {
          const words = await this.readRegisters(
            block.address,
            block.count,
            `read registers ${block.address}..${block.address + block.count - 1}`,
            [],
          );
          for (const { item, location, offset } of block.items) {
            results[item.index] = this.modbusReading(
              item.parameter,
              item.instance,
              words.slice(offset, offset + location.count),
            );
          }
          continue;
        } catch (err) {
          if (!(err instanceof DeviceError)) {
            // The line failed (timeout, corrupt): every item of the block shares that fate.
            for (const { item } of block.items) results[item.index] = this.contextualise(err);
            continue;
          }
          // The device refused the span (perhaps it crosses unassigned registers): ask item by item.
          this.knowledge().noCoalesce.add(blockKey);
        }
      }
      for (const { item, location } of block.items) {
        try {
          const what = `read ${this.describeParameter(item.parameter, item.instance)} (register ${location.address})`;
          const words = await this.readRegisters(location.address, location.count, what, [
            this.unsupportedKey(item.parameter, item.instance, true),
          ]);
          results[item.index] = this.modbusReading(item.parameter, item.instance, words);
        } catch (err) {
          results[item.index] = this.contextualise(err);
        }
      }
    }
  }

  private async readRegisters(
    address: number,
    count: number,
    what: string,
    rememberKeys: string[],
  ): Promise<readonly number[]> {
    const response = await this.modbusTransaction(
      { fc: FC_READ_HOLDING, slave: this.address, address, count },
      what,
    );
    if (response.kind === 'exception') throw this.modbusRefusal(response.code, what, rememberKeys);
    if (response.kind !== 'read')
      throw new ProtocolError(`${this.description} answered ${what} with a ${response.kind} reply.`, {
        resource: this.portLabel,
      });
    return response.registers;
  }

  private modbusReading(
    parameter: ResolvedParameter,
    instance: number,
    words: readonly number[],
  ): WatlowReading {
    const type = parameter.spec!.type;
    return this.readingOf(parameter, instance, type, decodeRegisters(type, words, this.config.wordOrder));
  }

  // ---- writing -------------------------------------------------------------------------------

  /**
   * Writes a parameter and returns what the controller reports afterwards. Validation (name,
   * instance, read-only, type, range, enumeration) happens before any I/O.
   */
  async write(
    parameter: string | number,
    value: unknown,
    options: WriteOptions = {},
  ): Promise<WatlowReading> {
    let resolved: ResolvedParameter;
    let instance: number;
    try {
      resolved = resolveParameter(parameter);
      instance = validateInstance(resolved, options.instance ?? 1);
      if (resolved.spec && !resolved.spec.writable) {
        throw new ReadOnlyError(
          `${resolved.spec.name} (${resolved.id}) is read-only; nothing was sent. Write a writable parameter instead (e.g. setPoint rather than activeSetPoint).`,
        );
      }
      if (resolved.spec) this.checkKnownUnsupported(resolved, instance);
    } catch (err) {
      throw this.contextualise(err);
    }
    const verify = options.verify ?? true;
    return this.protocol === 'stdbus'
      ? this.writeStdBus(resolved, instance, value, verify)
      : this.writeModbus(resolved, instance, value, verify);
  }

  private async writeStdBus(
    parameter: ResolvedParameter,
    instance: number,
    value: unknown,
    verify: boolean,
  ): Promise<WatlowReading> {
    // Send the tag the parameter answers with (spec §2.5): from the catalogue, or learned by reading first.
    let type = parameter.spec?.type ?? this.knowledge().learnedTypes.get(parameter.id);
    if (type === undefined) type = (await this.readStdBusValue(parameter, instance)).type;
    let wire: number | string;
    try {
      wire = coerceWriteValue(
        parameter,
        type,
        value,
        unitsLabel(parameter.spec?.units, this.config.temperatureUnits),
      );
    } catch (err) {
      throw this.contextualise(err);
    }
    const what = `write ${JSON.stringify(value)} to ${this.describeParameter(parameter, instance)}`;
    const selector = selectorOf(parameter.id, instance);
    const response = await this.stdBusTransaction(
      { service: 'write', selector, value: { type, value: wire } },
      what,
    );
    if (response.kind !== 'write') throw this.stdBusRefusal(response, parameter, instance, what);
    if (!verify) return this.readingOf(parameter, instance, response.value.type, response.value.value);
    this.checkStored(parameter, instance, type, wire, response.value.value, 'echoed');
    const readBack = await this.readStdBusValue(parameter, instance);
    this.checkStored(parameter, instance, type, wire, readBack.value, 'reads back');
    return this.readingOf(parameter, instance, readBack.type, readBack.value);
  }

  private async writeModbus(
    parameter: ResolvedParameter,
    instance: number,
    value: unknown,
    verify: boolean,
  ): Promise<WatlowReading> {
    let location: RegisterLocation;
    let wire: number;
    const spec = parameter.spec as ParameterSpec | undefined;
    try {
      location = this.modbusLocation(parameter, instance);
      wire = coerceWriteValue(
        parameter,
        spec!.type,
        value,
        unitsLabel(spec!.units, this.config.temperatureUnits),
      ) as number;
    } catch (err) {
      throw this.contextualise(err);
    }
    const type = spec!.type;
    const words = encodeRegisters(type, wire, this.config.wordOrder);
    const what = `write ${JSON.stringify(value)} to ${this.describeParameter(parameter, instance)} (register ${location.address})`;
    const request: ModbusRequest =
      words.length === 1
        ? { fc: FC_WRITE_SINGLE, slave: this.address, address: location.address, value: words[0]! }
        : { fc: FC_WRITE_MULTIPLE, slave: this.address, address: location.address, values: words };
    const response = await this.modbusTransaction(request, what);
    if (response.kind === 'exception')
      throw this.modbusRefusal(response.code, what, [this.unsupportedKey(parameter, instance, true)]);
    if (!verify)
      return this.readingOf(parameter, instance, type, decodeRegisters(type, words, this.config.wordOrder));
    const stored = await this.readRegisters(
      location.address,
      location.count,
      `read back ${this.describeParameter(parameter, instance)}`,
      [],
    );
    const storedValue = decodeRegisters(type, stored, this.config.wordOrder);
    this.checkStored(parameter, instance, type, wire, storedValue, 'reads back');
    return this.readingOf(parameter, instance, type, storedValue);
  }

  private checkStored(
    parameter: ResolvedParameter,
    instance: number,
    type: WatlowDataType,
    wanted: number | string,
    stored: number | string,
    how: string,
  ): void {
    if (sameStoredValue(type, wanted, stored)) return;
    const show = (v: number | string): string => JSON.stringify(presentValue(parameter.spec, type, v));
    throw new VerifyError(
      `${this.description}: wrote ${show(wanted)} to ${this.describeParameter(parameter, instance)} but it ${how} ${show(stored)}. The controller may clamp the value (min/max set point, limits) or the parameter may be locked.`,
      { resource: this.portLabel },
    );
  }

  // ---- identity ------------------------------------------------------------------------------

  /**
   * Reads the unit's identity: part number, hardware ID, firmware ID and serial number on Std Bus;
   * hardware ID, firmware ID and numeric serial over Modbus (text is not reachable there). The
   * first item must succeed; failures of the others give `health: 'partial'`. Cached per device.
   */
  async identify(options: { refresh?: boolean } = {}): Promise<ControllerIdentity> {
    const knowledge = this.knowledge();
    if (knowledge.identity && !options.refresh) return knowledge.identity;
    const names =
      this.protocol === 'stdbus'
        ? ['partNumber', 'hardwareId', 'firmwareId', 'serialNumberText']
        : ['hardwareId', 'firmwareId', 'serialNumber'];
    const results = await this.readMany(names.map((parameter) => ({ parameter })));
    const first = results[0]!;
    if (isError(first)) throw first;
    const byName = new Map<string, WatlowReading>();
    names.forEach((n, i) => {
      const r = results[i]!;
      if (!isError(r)) byName.set(n, r);
    });
    const num = (n: string): number | undefined =>
      typeof byName.get(n)?.raw === 'number' ? (byName.get(n)!.raw as number) : undefined;
    const identity: ControllerIdentity = {
      protocol: this.protocol,
      address: this.address,
      health: results.some(isError) ? 'partial' : 'ok',
    };
    if (num('hardwareId') !== undefined) identity.hardwareId = num('hardwareId');
    if (num('firmwareId') !== undefined) identity.firmwareId = num('firmwareId');
    const part = byName.get('partNumber')?.raw;
    if (typeof part === 'string') identity.partNumber = part;
    const serial = byName.get('serialNumberText')?.raw ?? byName.get('serialNumber')?.raw;
    if (serial !== undefined) identity.serialNumber = String(serial);
    knowledge.identity = identity;
    return identity;
  }
}

/** Guards against misuse from JavaScript callers passing a non-controller. */
export function assertController(value: unknown): asserts value is WatlowController {
  if (!(value instanceof WatlowController)) throw new InvalidInputError('Expected a WatlowController.');
}

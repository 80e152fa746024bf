/**
 * A controller's Modbus side: the generic Modbus client plus the Watlow register mapping — where
 * each parameter lives in data map 1 or 2, the word order of 32-bit values, and coalescing of
 * nearby parameters into one Read Holding Registers request. Exceptions 01/02 prove a register
 * absent and are remembered; a span the device refuses is read item by item from then on.
 */
import { DeviceError, UnsupportedError, hasErrorCode } from '../core/errors';
import { ModbusClient } from '../modbus/client';
import { inOneModbusTransaction, type ModbusPortAccess } from '../modbus/operations';
import { modbusLinkForPath } from '../modbus/port-link';
import { EXCEPTION } from '../modbus/pdu';
import type { ResolvedLineOptions } from '../transport/framed-line';
import type { ControllerContext, ReadItem, WatlowProtocolClient, WriteItem } from './controller-context';
import type { ReadOutcome, WatlowReading } from './controller-config';
import { coalesceReads } from './modbus/coalesce';
import type { RegisterLocation } from './modbus/registers';
import { decodeRegisters, encodeRegisters, registerOf } from './modbus/registers';
import type { ResolvedParameter } from './parameters';

/** What the exception means on an EZ-ZONE PM, in its words. */
function describeException(code: number): string {
  switch (code) {
    case EXCEPTION.illegalFunction:
      return 'illegal function';
    case EXCEPTION.illegalDataAddress:
      return 'illegal data address (parameter not present on this controller or data map)';
    case EXCEPTION.illegalDataValue:
      return 'illegal data value (out of range for this controller)';
    case EXCEPTION.serverDeviceFailure:
      return 'slave device failure';
    default:
      return 'exception';
  }
}

/** Where a controller's Modbus requests go: a port as the Modbus operations use it, its line timing resolved. */
export type WatlowModbusPort = ModbusPortAccess & { line: ResolvedLineOptions };

export class WatlowModbusClient implements WatlowProtocolClient {
  readonly identityParameters = ['hardwareId', 'firmwareId', 'serialNumber'] as const;
  private readonly modbus: ModbusClient;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly access: WatlowModbusPort,
  ) {
    this.modbus = new ModbusClient(modbusLinkForPath(access.port, access.path, access.line));
  }

  private get unit(): number {
    return this.ctx.config.address;
  }

  private silentHint(): string {
    return `Check power, RS-485 wiring, the controller's Modbus address (${this.unit}, parameter 17007), baud rate and parity (17002/17003) and that its protocol (17009) is Modbus.`;
  }

  private callOptions(what: string): { what: string; where: string; silentHint: string } {
    return { what, where: this.ctx.description, silentHint: this.silentHint() };
  }

  /** The Watlow wording of a device refusal; remembers "not there" for the given items. */
  private refusal(
    err: unknown,
    what: string,
    remember: readonly { parameter: ResolvedParameter; instance: number }[],
  ): unknown {
    if (!hasErrorCode(err, 'E_DEVICE_ERROR') || typeof err.deviceCode !== 'number') return err;
    const code = err.deviceCode;
    const advice =
      code === EXCEPTION.illegalDataAddress
        ? `The register is absent on this controller or in data map ${this.ctx.config.map}; check the parameter, the instance and the controller's map setting.`
        : code === EXCEPTION.illegalDataValue
          ? 'The controller refused the value; check its range on the front panel.'
          : 'Check the controller.';
    const refusal = new DeviceError(
      `${this.ctx.description} refused to ${what}: Modbus exception ${code} (${describeException(code)}). ${advice}`,
      { resource: this.ctx.portLabel, deviceCode: code },
    );
    // Exceptions 01/02 mean "not there" and are remembered; 03/04 are not (as in watlowlib).
    if (code === EXCEPTION.illegalFunction || code === EXCEPTION.illegalDataAddress) {
      for (const r of remember) this.ctx.knowledge().remember(r.parameter, r.instance, true, refusal);
    }
    return refusal;
  }

  /** Register location of a parameter, or UnsupportedError before any I/O. */
  private location(parameter: ResolvedParameter, instance: number): RegisterLocation {
    const { description, portLabel, config } = this.ctx;
    const spec = parameter.spec;
    if (!spec) {
      throw new UnsupportedError(
        `${description}: parameter ${parameter.id} is not in the catalogue, so its Modbus register is unknown. Use a catalogue parameter, or Std Bus, which addresses any parameter ID.`,
        { resource: portLabel },
      );
    }
    const location = registerOf(spec, instance, config.map);
    if (!location) {
      const why =
        spec.type === 'string'
          ? 'text parameters are not reachable over Modbus on an EZ-ZONE PM'
          : `its register in Modbus map ${config.map} is not documented`;
      throw new UnsupportedError(
        `${description}: ${spec.name} (${spec.id}) cannot be read over Modbus: ${why}. Use Std Bus${config.map === 2 ? ' or map 1' : ''}.`,
        { resource: portLabel },
      );
    }
    return location;
  }

  private async readRegisters(
    modbus: ModbusClient,
    location: { address: number; count: number },
    what: string,
    remember: readonly { parameter: ResolvedParameter; instance: number }[],
  ): Promise<readonly number[]> {
    try {
      return await modbus.readHoldingRegisters(
        this.unit,
        location.address,
        location.count,
        this.callOptions(what),
      );
    } catch (err) {
      throw this.refusal(err, what, remember);
    }
  }

  private readingOf(item: ReadItem, words: readonly number[]): ReadOutcome {
    const type = item.parameter.spec!.type;
    const raw = decodeRegisters(type, words, this.ctx.config.wordOrder);
    return { ok: true, reading: this.ctx.readingOf(item.parameter, item.instance, type, raw) };
  }

  private failed(err: unknown): ReadOutcome {
    return { ok: false, error: this.ctx.contextualise(err) };
  }

  async readItems(items: readonly ReadItem[], results: (ReadOutcome | undefined)[]): Promise<void> {
    const located: { item: ReadItem; location: RegisterLocation }[] = [];
    for (const item of items) {
      try {
        located.push({ item, location: this.location(item.parameter, item.instance) });
      } catch (err) {
        results[item.index] = this.failed(err);
      }
    }
    const rules = this.ctx.config.coalesce;
    const blocks =
      rules === false
        ? located.map((l) => ({
            address: l.location.address,
            count: l.location.count,
            items: [{ ...l, offset: 0 }],
          }))
        : coalesceReads(located, rules);
    const knowledge = this.ctx.knowledge();
    for (const block of blocks) {
      const blockKey = `${block.address}+${block.count}`;
      if (block.items.length > 1 && !knowledge.noCoalesce.has(blockKey)) {
        try {
          const what = `read registers ${block.address}..${block.address + block.count - 1}`;
          const words = await this.readRegisters(this.modbus, block, what, []);
          for (const { item, location, offset } of block.items) {
            results[item.index] = this.readingOf(item, words.slice(offset, offset + location.count));
          }
          continue;
        } catch (err) {
          if (!hasErrorCode(err, 'E_DEVICE_ERROR')) {
            // The line failed (timeout, corrupt): every item of the block shares that fate.
            for (const { item } of block.items) results[item.index] = this.failed(err);
            continue;
          }
          // The device refused the span (perhaps it crosses unassigned registers): ask item by item.
          knowledge.noCoalesce.add(blockKey);
        }
      }
      for (const { item, location } of block.items) {
        try {
          const what = `read ${this.ctx.describeParameter(item.parameter, item.instance)} (register ${location.address})`;
          const words = await this.readRegisters(this.modbus, location, what, [item]);
          results[item.index] = this.readingOf(item, words);
        } catch (err) {
          results[item.index] = this.failed(err);
        }
      }
    }
  }

  /** The write and its read-back; the register and the value are checked first. */
  async write({ parameter, instance, value, verify }: WriteItem): Promise<WatlowReading> {
    const ctx = this.ctx;
    const location = this.location(parameter, instance);
    // A register location exists only for catalogue parameters, whose type is known.
    const type = parameter.spec!.type;
    const wire = ctx.wireValue(parameter, type, value) as number;
    const { wordOrder } = ctx.config;
    const words = encodeRegisters(type, wire, wordOrder);
    const what = `write ${JSON.stringify(value)} to ${ctx.describeParameter(parameter, instance)} (register ${location.address})`;
    return inOneModbusTransaction(this.access, 2, what, async (modbus) => {
      try {
        if (words.length === 1) {
          await modbus.writeSingleRegister(this.unit, location.address, words[0]!, this.callOptions(what));
        } else {
          await modbus.writeMultipleRegisters(this.unit, location.address, words, this.callOptions(what));
        }
      } catch (err) {
        throw this.refusal(err, what, [{ parameter, instance }]);
      }
      if (!verify) return ctx.readingOf(parameter, instance, type, decodeRegisters(type, words, wordOrder));
      const readBack = `read back ${ctx.describeParameter(parameter, instance)}`;
      const stored = await this.readRegisters(modbus, location, readBack, []);
      const storedValue = decodeRegisters(type, stored, wordOrder);
      ctx.checkStored(parameter, instance, type, wire, storedValue, 'reads back');
      return ctx.readingOf(parameter, instance, type, storedValue);
    });
  }
}

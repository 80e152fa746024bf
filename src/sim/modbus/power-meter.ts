/**
 * A generic Modbus device for the simulated bus: a single-phase power meter. It answers request
 * PDUs with response PDUs (function codes 01 02 03 04 05 06 15 16), so the same device serves on
 * the RTU bus (the bus adds address and CRC) and behind the simulated Modbus TCP gateway.
 *
 * Register map (0-based PDU addresses; 32-bit values high word first):
 * - input registers (FC 04), float32: 0 voltage V, 2 current A, 4 active power W, 6 energy kWh
 *   (integrates the power over the clock's time), 8 frequency Hz;
 * - holding registers (FC 03 / 06 / 16), uint16: 0 CT ratio (1..10000, default 100), 1 PT ratio
 *   (1..1000, default 1), 2 averaging period s (default 10), 3..15 free; 100..107 model name
 *   (16 ASCII characters, read-only);
 * - coils (FC 01 / 05 / 15): 0..7 relay outputs (off);
 * - discrete inputs (FC 02): 0 voltage present (on), 1 over-current (current > 63 A), 2..7 off.
 *
 * Refusals as a real device gives them: unknown function → 01, any address of the request outside
 * a table (or a write to the model name) → 02, a bad quantity, coil value or out-of-range setting
 * → 03.
 */
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { EXCEPTION as MODBUS_EXCEPTION, exceptionPdu } from '../../modbus/pdu';

const INPUT_REGISTERS = 10;
const HOLDING_REGISTERS = 16;
const MODEL_AT = 100;
const MODEL_REGISTERS = 8;
const BITS = 8;
const OVER_CURRENT_A = 63;

export const POWER_METER_MODEL = 'LABBENCH PM-100';

/** Valid range of the holding registers that have one. */
const HOLDING_LIMITS: Readonly<Record<number, [number, number]>> = { 0: [1, 10000], 1: [1, 1000] };

export interface PowerMeterOptions {
  voltage?: number;
  current?: number;
  frequency?: number;
  clock?: Clock;
}

export class SimulatedPowerMeter {
  voltage: number;
  frequency: number;
  readonly holding = new Uint16Array(HOLDING_REGISTERS);
  readonly coils: boolean[] = new Array<boolean>(BITS).fill(false);
  /** Requests answered, by function code (tests assert what reached the device). */
  readonly requests: number[] = [];
  private currentA: number;
  private energyKWh = 0;
  private lastUpdate: number;
  private readonly clock: Clock;

  constructor(options: PowerMeterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.voltage = options.voltage ?? 230;
    this.currentA = options.current ?? 4.2;
    this.frequency = options.frequency ?? 50;
    this.holding.set([100, 1, 10]);
    this.lastUpdate = this.clock.now();
  }

  get current(): number {
    return this.currentA;
  }

  /** Changes the load; energy so far is kept. */
  set current(amps: number) {
    this.accumulate();
    this.currentA = amps;
  }

  get power(): number {
    return this.voltage * this.currentA;
  }

  get energy(): number {
    this.accumulate();
    return this.energyKWh;
  }

  private accumulate(): void {
    const now = this.clock.now();
    this.energyKWh += (this.power * (now - this.lastUpdate)) / 3_600_000_000;
    this.lastUpdate = now;
  }

  private inputWords(): number[] {
    const buf = Buffer.alloc(INPUT_REGISTERS * 2);
    [this.voltage, this.currentA, this.power, this.energy, this.frequency].forEach((v, i) =>
      buf.writeFloatBE(v, i * 4),
    );
    return Array.from({ length: INPUT_REGISTERS }, (_, i) => buf.readUInt16BE(i * 2));
  }

  private discreteInputs(): boolean[] {
    return [this.voltage > 0, this.currentA > OVER_CURRENT_A, false, false, false, false, false, false];
  }

  /** The holding register at `address`, or undefined where there is none. */
  private holdingAt(address: number): number | undefined {
    if (address < HOLDING_REGISTERS) return this.holding[address];
    if (address >= MODEL_AT && address < MODEL_AT + MODEL_REGISTERS) {
      const i = (address - MODEL_AT) * 2;
      const model = Buffer.alloc(MODEL_REGISTERS * 2);
      model.write(POWER_METER_MODEL, 'latin1');
      return model.readUInt16BE(i);
    }
    return undefined;
  }

  /** Answers one request PDU (function code + data) with the response PDU. */
  answer(request: Uint8Array): Buffer {
    const pdu = Buffer.from(request);
    const fc = pdu[0] ?? 0;
    this.requests.push(fc);
    const exception = (code: number): Buffer => Buffer.from(exceptionPdu(fc, code));
    const u16 = (at: number): number => pdu.readUInt16BE(at);
    switch (fc) {
      case 0x01:
      case 0x02: {
        if (pdu.length !== 5) return exception(MODBUS_EXCEPTION.illegalDataValue);
        const [start, quantity] = [u16(1), u16(3)];
        if (quantity < 1 || quantity > 2000) return exception(MODBUS_EXCEPTION.illegalDataValue);
        if (start + quantity > BITS) return exception(MODBUS_EXCEPTION.illegalDataAddress);
        const source = fc === 0x01 ? this.coils : this.discreteInputs();
        return Buffer.from([fc, ...packBits(source.slice(start, start + quantity))]);
      }
      case 0x03:
      case 0x04: {
        if (pdu.length !== 5) return exception(MODBUS_EXCEPTION.illegalDataValue);
        const [start, quantity] = [u16(1), u16(3)];
        if (quantity < 1 || quantity > 125) return exception(MODBUS_EXCEPTION.illegalDataValue);
        const words: number[] = [];
        const input = fc === 0x04 ? this.inputWords() : undefined;
        for (let a = start; a < start + quantity; a++) {
          const w = input ? input[a] : this.holdingAt(a);
          if (w === undefined) return exception(MODBUS_EXCEPTION.illegalDataAddress);
          words.push(w);
        }
        const out = Buffer.alloc(2 + words.length * 2);
        out[0] = fc;
        out[1] = words.length * 2;
        words.forEach((w, i) => out.writeUInt16BE(w, 2 + i * 2));
        return out;
      }
      case 0x05: {
        if (pdu.length !== 5) return exception(MODBUS_EXCEPTION.illegalDataValue);
        const [address, value] = [u16(1), u16(3)];
        if (value !== 0xff00 && value !== 0x0000) return exception(MODBUS_EXCEPTION.illegalDataValue);
        if (address >= BITS) return exception(MODBUS_EXCEPTION.illegalDataAddress);
        this.coils[address] = value === 0xff00;
        return pdu;
      }
      case 0x06: {
        if (pdu.length !== 5) return exception(MODBUS_EXCEPTION.illegalDataValue);
        const failure = this.storeHolding(u16(1), [u16(3)]);
        return failure === undefined ? pdu : exception(failure);
      }
      case 0x0f: {
        const quantity = pdu.length >= 6 ? u16(3) : 0;
        if (
          quantity < 1 ||
          quantity > 1968 ||
          pdu[5] !== Math.ceil(quantity / 8) ||
          pdu.length !== 6 + pdu[5]
        )
          return exception(MODBUS_EXCEPTION.illegalDataValue);
        const start = u16(1);
        if (start + quantity > BITS) return exception(MODBUS_EXCEPTION.illegalDataAddress);
        for (let i = 0; i < quantity; i++)
          this.coils[start + i] = ((pdu[6 + (i >> 3)]! >> (i & 7)) & 1) === 1;
        return pdu.subarray(0, 5);
      }
      case 0x10: {
        const quantity = pdu.length >= 6 ? u16(3) : 0;
        if (quantity < 1 || quantity > 123 || pdu[5] !== quantity * 2 || pdu.length !== 6 + pdu[5])
          return exception(MODBUS_EXCEPTION.illegalDataValue);
        const values = Array.from({ length: quantity }, (_, i) => u16(6 + i * 2));
        const failure = this.storeHolding(u16(1), values);
        return failure === undefined ? pdu.subarray(0, 5) : exception(failure);
      }
      default:
        return exception(MODBUS_EXCEPTION.illegalFunction);
    }
  }

  /** All or nothing: every register must exist, be writable and in range. */
  private storeHolding(start: number, values: readonly number[]): number | undefined {
    if (start + values.length > HOLDING_REGISTERS) return MODBUS_EXCEPTION.illegalDataAddress;
    for (let i = 0; i < values.length; i++) {
      const limits = HOLDING_LIMITS[start + i];
      if (limits && (values[i]! < limits[0] || values[i]! > limits[1]))
        return MODBUS_EXCEPTION.illegalDataValue;
    }
    this.holding.set(values, start);
    return undefined;
  }
}

function packBits(bits: readonly boolean[]): number[] {
  const bytes = new Array<number>(Math.ceil(bits.length / 8)).fill(0);
  bits.forEach((b, i) => {
    if (b) bytes[i >> 3]! |= 1 << (i & 7);
  });
  return [bytes.length, ...bytes];
}

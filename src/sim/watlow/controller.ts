/**
 * One simulated EZ-ZONE PM: a parameter store initialised from the catalogue and factory
 * defaults, thermal loops that advance with (simulated) time, and the refusals a real unit gives:
 * unknown class (0x81), unknown or absent member (0x83), instance not fitted (0x84), write to a
 * read-only parameter (0x80), invalid value (0x85 [?] — the meaning of 0x85 is unconfirmed).
 * Protocol-neutral: the Std Bus and Modbus responders translate these results to their wire forms.
 */
import { InvalidInputError, OutOfRangeError } from '../../core/errors';
import { ownEntry } from '../../core/validate';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import type { ParameterSpec } from '../../watlow/catalogue';
import { PARAMETERS, findParameter } from '../../watlow/catalogue';
import type { WatlowDataType, WordOrder } from '../../watlow/types';
import { DEFAULT_PART_NUMBER, defaultValues } from './defaults';
import type { LoopSettings, PlantConstants } from './plant';
import { DEFAULT_PLANT, STEP_S, ThermalLoop } from './plant';

export interface SimControllerOptions {
  address: number;
  /** Control loops (and analog inputs) fitted: 1 (PM3-like, default) or 2. */
  loops?: 1 | 2;
  /** Alarms fitted (default 4). */
  alarms?: number;
  /** Digital outputs fitted (default 2). */
  outputs?: number;
  /** Comms ports (default 2). */
  ports?: number;
  /** Catalogue names or IDs this unit does not have (reads and writes are refused). */
  absent?: readonly (string | number)[];
  /** Modbus data map (default 1). */
  modbusMap?: 1 | 2;
  /** Initial Modbus word order (parameter 17043; default lowHigh). */
  wordOrder?: WordOrder;
  partNumber?: string;
  /** Initial values by catalogue name (instance 1). */
  initial?: Readonly<Record<string, number | string>>;
  plant?: Partial<PlantConstants>;
  clock?: Clock;
}

export type SimResult =
  | { readonly ok: true; readonly type: WatlowDataType; readonly value: number | string }
  | {
      readonly ok: false;
      readonly stdBusError: number;
      readonly modbusException: number;
      readonly reason: string;
    };

const STDBUS = {
  accessDenied: 0x80,
  noObject: 0x81,
  noAttribute: 0x83,
  noInstance: 0x84,
  badValue: 0x85,
  badType: 0x86,
} as const;
const MODBUS = { illegalAddress: 0x02, illegalValue: 0x03 } as const;

function refuse(stdBusError: number, modbusException: number, reason: string): SimResult {
  return { ok: false, stdBusError, modbusException, reason };
}

const KNOWN_CLASSES = new Set(PARAMETERS.map((p) => Math.floor(p.id / 1000)));

/** Autotune phases and their durations in simulated seconds. */
const AUTOTUNE_PHASES: readonly [code: number, seconds: number][] = [
  [119, 5],
  [151, 5],
  [152, 5],
  [153, 2],
];
const AUTOTUNE_COMPLETE = 18;
const OPEN_SENSOR_READING = 2531.8018; // what a PM reads with nothing connected (V2)

export class SimulatedController {
  readonly address: number;
  readonly modbusMap: 1 | 2;
  readonly loops: ThermalLoop[];
  private readonly store = new Map<string, number | string>();
  private readonly absent: Set<number>;
  private readonly fitted: Record<ParameterSpec['instanceKind'], number>;
  private readonly clock: Clock;
  private readonly bornAt: number;
  private lastStepAt: number;
  private readonly autotuneStartedAt: (number | undefined)[] = [];
  private readonly sensorOpen: boolean[] = [];
  private readonly alarmLatch: number[] = [];
  /** Counts of refused requests, for tests. */
  refusals = 0;

  constructor(options: SimControllerOptions) {
    this.address = options.address;
    this.modbusMap = options.modbusMap ?? 1;
    this.clock = options.clock ?? systemClock;
    const loops = options.loops ?? 1;
    this.fitted = {
      unit: 1,
      input: loops,
      loop: loops,
      alarm: options.alarms ?? 4,
      output: options.outputs ?? 2,
      port: options.ports ?? 2,
    };
    const plant = { ...DEFAULT_PLANT, ...options.plant };
    this.loops = Array.from({ length: loops }, () => new ThermalLoop(plant));
    this.absent = new Set(
      (options.absent ?? []).map((p) => {
        const spec = findParameter(p);
        if (!spec) throw new InvalidInputError(`Unknown parameter "${p}" in the simulator's absent list`);
        return spec.id;
      }),
    );
    const defaults: Record<string, number | string> = {
      ...defaultValues(options.address),
      partNumber: options.partNumber ?? DEFAULT_PART_NUMBER,
    };
    if (options.wordOrder)
      defaults.modbusWordOrder = findParameter('modbusWordOrder')!.enumCodes![options.wordOrder]!;
    for (const spec of PARAMETERS) {
      const value = defaults[spec.name];
      if (value === undefined) continue;
      for (let i = 1; i <= this.fitted[spec.instanceKind]; i++) this.store.set(`${spec.id}:${i}`, value);
    }
    for (const [name, value] of Object.entries(options.initial ?? {})) this.set(name, value);
    this.bornAt = this.clock.now();
    this.lastStepAt = this.bornAt;
  }

  /** Instances fitted for a kind of block (loops, alarms, …). */
  instancesOf(kind: ParameterSpec['instanceKind']): number {
    return this.fitted[kind];
  }

  /** Whether this unit has the parameter (catalogue row not in the absent list). */
  has(spec: ParameterSpec): boolean {
    return !this.absent.has(spec.id);
  }

  get wordOrder(): WordOrder {
    return this.get('modbusWordOrder') === findParameter('modbusWordOrder')!.enumCodes!.highLow
      ? 'highLow'
      : 'lowHigh';
  }

  /** Test helper: stored or computed value by catalogue name, no protocol involved. */
  get(name: string, instance = 1): number | string {
    const spec = findParameter(name);
    if (!spec) throw new InvalidInputError(`Unknown parameter ${name}`);
    const result = this.read(spec.id, instance);
    if (!result.ok) throw new OutOfRangeError(`${name}/${instance}: ${result.reason}`);
    return result.value;
  }

  /** Test helper: stores a value directly (no validation, no access check). */
  set(name: string, value: number | string, instance = 1): void {
    const spec = findParameter(name);
    if (!spec) throw new InvalidInputError(`Unknown parameter ${name}`);
    this.advance();
    this.store.set(
      `${spec.id}:${instance}`,
      typeof value === 'string' && spec.enumCodes ? (ownEntry(spec.enumCodes, value) ?? value) : value,
    );
  }

  /** Simulates a broken or disconnected sensor on an input (PV reads ~2531.8, input error "open"). */
  setSensorOpen(input: number, open: boolean): void {
    this.sensorOpen[input - 1] = open;
  }

  read(id: number, instance: number): SimResult {
    const checked = this.locate(id, instance);
    if ('ok' in checked) return checked;
    const { spec } = checked;
    this.advance();
    const value = this.computed(spec, instance) ?? this.store.get(`${spec.id}:${instance}`);
    if (value === undefined)
      return refuse(STDBUS.noAttribute, MODBUS.illegalAddress, `${spec.name} has no value`);
    return { ok: true, type: spec.type, value: spec.type === 'float' ? Math.fround(value as number) : value };
  }

  write(id: number, instance: number, value: number | string): SimResult {
    const checked = this.locate(id, instance);
    if ('ok' in checked) return checked;
    const { spec } = checked;
    if (!spec.writable) {
      this.refusals++;
      return refuse(STDBUS.accessDenied, MODBUS.illegalAddress, `${spec.name} is read-only`);
    }
    const invalid = this.invalidValue(spec, value);
    if (invalid) {
      this.refusals++;
      return invalid;
    }
    this.advance();
    let stored = spec.type === 'float' ? Math.fround(value as number) : value;
    if (spec.name === 'setPoint') {
      // A PM keeps the set point inside its min/max set point (7003/7004) and echoes what it kept.
      stored = Math.fround(
        Math.min(
          this.num('maxSetPoint', instance),
          Math.max(this.num('minSetPoint', instance), stored as number),
        ),
      );
    }
    this.store.set(`${spec.id}:${instance}`, stored);
    this.afterWrite(spec, instance, stored);
    return { ok: true, type: spec.type, value: stored };
  }

  private locate(id: number, instance: number): { spec: ParameterSpec } | SimResult {
    const spec = findParameter(id);
    if (!spec || this.absent.has(id)) {
      this.refusals++;
      if (!KNOWN_CLASSES.has(Math.floor(id / 1000)))
        return refuse(STDBUS.noObject, MODBUS.illegalAddress, `class ${Math.floor(id / 1000)} not present`);
      return refuse(STDBUS.noAttribute, MODBUS.illegalAddress, `parameter ${id} not present`);
    }
    if (!Number.isInteger(instance) || instance < 1 || instance > this.fitted[spec.instanceKind]) {
      this.refusals++;
      return refuse(STDBUS.noInstance, MODBUS.illegalAddress, `${spec.name} instance ${instance} not fitted`);
    }
    return { spec };
  }

  private invalidValue(spec: ParameterSpec, value: number | string): SimResult | undefined {
    if (spec.type === 'string') {
      return typeof value === 'string'
        ? undefined
        : refuse(STDBUS.badType, MODBUS.illegalValue, 'text expected');
    }
    if (typeof value !== 'number' || !Number.isFinite(value))
      return refuse(STDBUS.badType, MODBUS.illegalValue, 'number expected');
    if (spec.enumCodes && !Object.values(spec.enumCodes).includes(value))
      return refuse(STDBUS.badValue, MODBUS.illegalValue, `code ${value} invalid`);
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      return refuse(STDBUS.badValue, MODBUS.illegalValue, `${value} out of range`);
    }
    return undefined;
  }

  private num(name: string, instance = 1): number {
    return Number(this.store.get(`${findParameter(name)!.id}:${instance}`) ?? 0);
  }

  private afterWrite(spec: ParameterSpec, instance: number, value: number | string): void {
    if (spec.name === 'autotuneRequest') {
      this.autotuneStartedAt[instance - 1] = value === 106 ? this.clock.now() : undefined;
    }
    if (spec.name === 'alarmClearRequest' && value === 0) this.alarmLatch[instance - 1] = 0;
  }

  private settings(loop: number): LoopSettings {
    const mode = this.num('controlMode', loop);
    return {
      mode: mode === 10 ? 'auto' : mode === 54 ? 'manual' : 'off',
      setPoint: this.num('setPoint', loop),
      manualPower: this.num('manualPower', loop),
      heatEnabled: this.num('heatAlgorithm', loop) !== 62,
      coolEnabled: this.num('coolAlgorithm', loop) !== 62,
      heatBand: this.num('heatProportionalBand', loop),
      coolBand: this.num('coolProportionalBand', loop),
      integralS: this.num('timeIntegral', loop),
      derivativeS: this.num('timeDerivative', loop),
      filterS: this.num('inputFilter', loop),
    };
  }

  /** Steps every loop up to the clock's now, in fixed steps (deterministic under a fake clock). */
  advance(): void {
    const now = this.clock.now();
    const stepMs = STEP_S * 1000;
    let steps = Math.floor((now - this.lastStepAt) / stepMs);
    if (steps <= 0) return;
    // After a very long pause the plant has settled anyway; cap the work.
    if (steps > 200_000) {
      this.lastStepAt = now - 200_000 * stepMs;
      steps = 200_000;
    }
    for (let i = 0; i < steps; i++) this.loops.forEach((loop, index) => loop.step(this.settings(index + 1)));
    this.lastStepAt += steps * stepMs;
    this.updateAutotune(now);
  }

  private updateAutotune(now: number): void {
    this.loops.forEach((_, index) => {
      const started = this.autotuneStartedAt[index];
      if (started === undefined) return;
      const total = AUTOTUNE_PHASES.reduce((s, [, seconds]) => s + seconds, 0) * 1000;
      if (now - started >= total) {
        this.autotuneStartedAt[index] = undefined;
        this.store.set(`${findParameter('autotuneRequest')!.id}:${index + 1}`, 59);
        this.store.set(`autotuneDone:${index + 1}`, AUTOTUNE_COMPLETE);
      }
    });
  }

  private autotuneStatus(loop: number): number {
    const started = this.autotuneStartedAt[loop - 1];
    if (started === undefined) return Number(this.store.get(`autotuneDone:${loop}`) ?? 62);
    let elapsed = (this.clock.now() - started) / 1000;
    for (const [code, seconds] of AUTOTUNE_PHASES) {
      if (elapsed < seconds) return code;
      elapsed -= seconds;
    }
    return AUTOTUNE_COMPLETE;
  }

  private processValue(input: number): number {
    if (this.sensorOpen[input - 1]) return OPEN_SENSOR_READING;
    return this.loops[input - 1]!.temperature + this.num('calibrationOffset', input);
  }

  private alarmState(alarm: number): number {
    const type = this.num('alarmType', alarm);
    if (type === 62) return 61; // alarm off: "none"
    if (this.sensorOpen[0]) return 28;
    const pv = this.processValue(1);
    const reference = type === 24 ? this.num('setPoint', 1) : 0;
    const high = reference + this.num('alarmHighSetPoint', alarm);
    const low = reference + this.num('alarmLowSetPoint', alarm);
    if (pv >= high) return 7;
    if (pv <= low) return 8;
    return 61;
  }

  /** Values the unit computes rather than stores; undefined for stored parameters. */
  private computed(spec: ParameterSpec, instance: number): number | string | undefined {
    const loop = this.loops[instance - 1];
    switch (spec.name) {
      case 'processValue':
        return this.processValue(instance);
      case 'filteredProcessValue':
      case 'activeProcessValue':
        return this.sensorOpen[instance - 1]
          ? OPEN_SENSOR_READING
          : loop!.filtered + this.num('calibrationOffset', instance);
      case 'inputError':
        return this.sensorOpen[instance - 1] ? 65 : 61;
      case 'activeSetPoint':
      case 'rampSetPoint':
        return this.num('setPoint', instance);
      case 'activeManualPower':
        return this.num('manualPower', instance);
      case 'activeControlMode':
        return this.num('controlMode', instance);
      case 'heatPower':
        return this.settings(instance).heatEnabled ? loop!.heatPower : 0;
      case 'coolPower':
        return this.settings(instance).coolEnabled ? loop!.coolPower : 0;
      case 'outputPower':
        return loop!.output;
      case 'autotuneStatus':
        return this.autotuneStatus(instance);
      case 'alarmState':
        return this.alarmState(instance);
      case 'digitalOutputState':
        return instance === 1 && this.loops[0]!.heatPower > 0 ? 63 : 62;
      case 'currentRms':
        return (this.loops[0]!.heatPower / 100) * 8.5;
      case 'tickCounter':
        return (this.clock.now() - this.bornAt) >>> 0;
      default:
        return undefined;
    }
  }
}

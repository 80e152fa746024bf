/**
 * The simulated 2281S command set: one entry per header, with the entry function it belongs to
 * (commands of the other function fail with 700, observed on hardware), whether the instrument refuses it
 * while the battery model runs (704), and its set / query handlers.
 */
import type { BatteryModel } from './battery-models';
import { BUILT_IN_BATTERY_MODELS, socForVoc, vocAt, vocRange } from './battery-models';
import type { Captures, HeaderPattern } from './scpi-parser';
import { ScpiParamError, booleanParam, choiceParam, compilePattern, numericParam } from './scpi-parser';
import type { BatteryRegisters, SimEntryFunction, SimTrip, SupplyRegisters } from './state';
import { SIM_RANGES } from './state';
import { ownEntry } from '../../core/validate';

/** `:SYST:ERR?`, the one query the parser quirk never swallows. */
export const ERROR_QUERY_PATTERN = ':SYSTem:ERRor:[NEXT]';

/** What the handlers see of the instrument. */
export interface DeviceContext {
  readonly identity: string;
  entryFunction: SimEntryFunction;
  readonly supply: SupplyRegisters;
  readonly battery: BatteryRegisters;
  readonly slots: ReadonlyMap<number, BatteryModel>;
  continuousInitiation: boolean;
  setEntryFunction(fn: SimEntryFunction): void;
  reset(): void;
  clearStatus(): void;
  nextError(): string;
  readEventStatus(): number;
  /** Re-solves the terminals and trips protection after a setting changed. */
  settle(): void;
  supplyReading(): { voltage: number; current: number; mode: 'CV' | 'CC' | 'OFF' };
  batteryReading(): { terminalVoltage: number; current: number; esr: number; limited: boolean };
  questionableSummary(): number;
  /** Formats a measurement field: `+5.000000E+00V` (or bare, per the reply style). */
  measurement(fields: readonly { value: number; unit: string }[]): string;
}

export interface Invocation {
  params: readonly string[];
  captures: Captures;
}

export interface CommandDef {
  pattern: HeaderPattern;
  scope: 'any' | 'power' | 'simulator';
  /** Refused with 704 while the battery output is on (manual: everything but SOC and Voc). */
  lockedWhileRunning?: boolean;
  /** Most parameters the set form takes (default 1). */
  maxParams?: number;
  set?: (dev: DeviceContext, call: Invocation) => void;
  query?: (dev: DeviceContext, call: Invocation) => string;
}

/** Setpoints answer bare numbers (`20`, `0.1`), as observed on hardware. */
export function bare(value: number): string {
  return String(Number(value.toPrecision(7)));
}

function trip(dev: DeviceContext): SimTrip {
  return dev.entryFunction === 'simulator' ? dev.battery.trip : dev.supply.trip;
}

function clearTrip(dev: DeviceContext): void {
  if (dev.entryFunction === 'simulator') dev.battery.trip = 'NONE';
  else dev.supply.trip = 'NONE';
}

/** Model names as the firmware takes them; the manual's hyphens are a syntax error (-102). */
function recallTarget(raw: string | undefined, dev: DeviceContext): BatteryModel | undefined {
  if (raw === undefined || raw.trim() === '') throw new ScpiParamError(-109, 'Missing parameter');
  const text = raw.trim();
  if (/^[-+]?\d+$/.test(text)) {
    const slot = Number(text);
    if (slot < 1 || slot > 9) throw new ScpiParamError(-222, 'Data out of range');
    // An empty slot is ignored without an error: the previous model stays (hardware-verified).
    return dev.slots.get(slot);
  }
  if (text.startsWith('"') || text.startsWith("'")) throw new ScpiParamError(-104, 'Data type error');
  const upper = text.toUpperCase();
  if (upper.includes('-') || upper === 'DISCHARGE') throw new ScpiParamError(-102, 'Syntax error');
  const builtIn = ownEntry(BUILT_IN_BATTERY_MODELS, upper);
  if (!builtIn) throw new ScpiParamError(-224, 'Illegal parameter value');
  return builtIn;
}

type Range = { min: number; max: number; def: number };

/** The numeric registers of one entry function, as the commands on them see them. */
interface RegisterSet<R> {
  scope: 'power' | 'simulator';
  registers: (dev: DeviceContext) => R;
  /** The instrument refuses to change them while the battery model runs (704). */
  lockedWhileRunning?: true;
  /** Throws on a value the other registers rule out. */
  accept?: (dev: DeviceContext, key: keyof R, value: number) => void;
}

const SUPPLY: RegisterSet<SupplyRegisters> = {
  scope: 'power',
  registers: (dev) => dev.supply,
  accept: (dev, key, value) => {
    if (key === 'voltage' && value > dev.supply.voltageLimit)
      throw new ScpiParamError(-222, 'Data out of range');
  },
};

const BATTERY: RegisterSet<BatteryRegisters> = {
  scope: 'simulator',
  registers: (dev) => dev.battery,
  lockedWhileRunning: true,
};

/**
 * A numeric register of `set`: the command sets it within `range` (in `units`) and settles the
 * outputs, the query answers it bare.
 */
function setting<R>(
  set: RegisterSet<R>,
  source: string,
  key: { [K in keyof R]: R[K] extends number ? K : never }[keyof R],
  range: Range,
  units: readonly string[],
): CommandDef {
  return {
    pattern: compilePattern(source),
    scope: set.scope,
    ...(set.lockedWhileRunning ? { lockedWhileRunning: true } : {}),
    set: (dev, { params }) => {
      const value = numericParam(params[0], range, units);
      set.accept?.(dev, key, value);
      (set.registers(dev) as Record<typeof key, number>)[key] = value;
      dev.settle();
    },
    query: (dev) => bare(set.registers(dev)[key] as number),
  };
}

/** One end of the simulated battery's voltage span; it may not cross the other end (error 703). */
function vocEnd(source: string, key: 'fullVoltage' | 'emptyVoltage'): CommandDef {
  const crosses = (value: number, b: BatteryRegisters): boolean =>
    key === 'fullVoltage' ? value < b.emptyVoltage : value > b.fullVoltage;
  return {
    pattern: compilePattern(source),
    scope: 'simulator',
    lockedWhileRunning: true,
    set: (dev, { params }) => {
      const value = numericParam(params[0], SIM_RANGES.batteryVoltage, ['V']);
      if (crosses(value, dev.battery)) throw new ScpiParamError(703, '');
      dev.battery[key] = value;
      dev.settle();
    },
    query: (dev) => bare(dev.battery[key]),
  };
}

export function buildCommandTable(): CommandDef[] {
  return [
    // --- common -----------------------------------------------------------------------------
    { pattern: compilePattern('*IDN'), scope: 'any', query: (dev) => dev.identity },
    { pattern: compilePattern('*RST'), scope: 'any', maxParams: 0, set: (dev) => dev.reset() },
    { pattern: compilePattern('*CLS'), scope: 'any', maxParams: 0, set: (dev) => dev.clearStatus() },
    { pattern: compilePattern('*OPC'), scope: 'any', maxParams: 0, set: () => undefined, query: () => '1' },
    { pattern: compilePattern('*WAI'), scope: 'any', maxParams: 0, set: () => undefined },
    { pattern: compilePattern('*ESR'), scope: 'any', query: (dev) => String(dev.readEventStatus()) },
    { pattern: compilePattern(ERROR_QUERY_PATTERN), scope: 'any', query: (dev) => dev.nextError() },
    { pattern: compilePattern(':SYSTem:LFRequency'), scope: 'any', query: () => '60' },
    {
      pattern: compilePattern(':ENTRy:FUNCtion'),
      scope: 'any',
      set: (dev, { params }) =>
        // BATT is not assumed to be accepted (UNVERIFIED), so the simulator refuses it (-224).
        dev.setEntryFunction(
          choiceParam<SimEntryFunction>(params[0], { POWer: 'power', SIMulator: 'simulator', TEST: 'test' }),
        ),
      query: (dev) => ({ power: 'POWER', simulator: 'SIMULATOR', test: 'TEST' })[dev.entryFunction],
    },
    {
      pattern: compilePattern(':STATus:QUEStionable:INSTrument:ISUMmary:[CONDition]'),
      scope: 'any',
      query: (dev) => String(dev.questionableSummary()),
    },
    {
      pattern: compilePattern(':STATus:OPERation:INSTrument:ISUMmary:[CONDition]'),
      scope: 'any',
      query: (dev) => {
        const on = dev.entryFunction === 'simulator' ? dev.battery.output : dev.supply.output;
        return String(on && dev.continuousInitiation ? 16 : 1024);
      },
    },
    {
      pattern: compilePattern(':INITiate:CONTinuous'),
      scope: 'any',
      set: (dev, { params }) => {
        dev.continuousInitiation = booleanParam(params[0]);
      },
      query: (dev) => (dev.continuousInitiation ? '1' : '0'),
    },
    { pattern: compilePattern(':ABORt'), scope: 'any', maxParams: 0, set: () => undefined },
    { pattern: compilePattern(':DISPlay:USER:TEXT'), scope: 'any', set: () => undefined },
    // Lager queries the trip this way in both functions, so it answers for the active one.
    { pattern: compilePattern(':OUTPut#:PROTection:TRIPped'), scope: 'any', query: (dev) => trip(dev) },
    {
      pattern: compilePattern(':OUTPut#:PROTection:CLEar'),
      scope: 'any',
      maxParams: 0,
      set: (dev) => clearTrip(dev),
    },

    // --- power supply -------------------------------------------------------------------------
    setting(SUPPLY, '[SOURce#]:VOLTage:[LEVel]:[IMMediate]:[AMPLitude]', 'voltage', SIM_RANGES.voltage, [
      'V',
    ]),
    setting(SUPPLY, '[SOURce#]:CURRent:[LEVel]:[IMMediate]:[AMPLitude]', 'current', SIM_RANGES.current, [
      'A',
    ]),
    setting(SUPPLY, '[SOURce#]:VOLTage:LIMit:[LEVel]', 'voltageLimit', SIM_RANGES.voltageLimit, ['V']),
    setting(SUPPLY, '[SOURce#]:VOLTage:PROTection:[LEVel]', 'ovp', SIM_RANGES.ovp, ['V']),
    setting(SUPPLY, '[SOURce#]:CURRent:PROTection:[LEVel]', 'ocp', SIM_RANGES.ocp, ['A']),
    {
      pattern: compilePattern(':OUTPut#:[STATe]'),
      scope: 'power',
      set: (dev, { params }) => {
        const on = booleanParam(params[0]);
        // UNVERIFIED what the real unit answers to ON while tripped; the simulator refuses it
        // until the trip is cleared, the conservative reading of the manual.
        if (on && dev.supply.trip !== 'NONE') throw new ScpiParamError(-221, 'Settings conflict');
        dev.supply.output = on;
        // `:OUTP ON` resets continuous initiation (observed on hardware by the Lager project).
        if (on) dev.continuousInitiation = false;
        dev.settle();
      },
      query: (dev) => (dev.supply.output ? '1' : '0'),
    },
    {
      pattern: compilePattern(':MEASure:CONCurrent:[DC]'),
      scope: 'power',
      query: (dev) => {
        const r = dev.supplyReading();
        return dev.measurement([
          { value: r.current, unit: 'A' },
          { value: r.voltage, unit: 'V' },
        ]);
      },
    },
    {
      pattern: compilePattern(':MEASure:VOLTage:[DC]'),
      scope: 'power',
      query: (dev) => dev.measurement([{ value: dev.supplyReading().voltage, unit: 'V' }]),
    },
    {
      pattern: compilePattern(':MEASure:CURRent:[DC]'),
      scope: 'power',
      // Reads ~0 for reverse (sink) current on hardware; :MEAS:CONC? gives the signed value.
      query: (dev) => dev.measurement([{ value: Math.max(0, dev.supplyReading().current), unit: 'A' }]),
    },

    // --- battery simulator --------------------------------------------------------------------
    {
      pattern: compilePattern(':BATTery#:OUTPut:[STATe]'),
      scope: 'simulator',
      set: (dev, { params }) => {
        const on = booleanParam(params[0], { DIS: false, DISABLE: false, '2': false });
        if (on && dev.battery.trip !== 'NONE') throw new ScpiParamError(-221, 'Settings conflict');
        dev.battery.output = on;
        dev.battery.outputDisabled = ['DIS', 'DISABLE', '2'].includes((params[0] ?? '').trim().toUpperCase());
        dev.settle();
      },
      query: (dev) => (dev.battery.outputDisabled ? '2' : dev.battery.output ? '1' : '0'),
    },
    {
      pattern: compilePattern(':BATTery#:OUTPut:PROTection:TRIPped'),
      scope: 'simulator',
      query: (dev) => dev.battery.trip,
    },
    {
      pattern: compilePattern(':BATTery#:OUTPut:PROTection:CLEar'),
      scope: 'simulator',
      maxParams: 0,
      set: (dev) => {
        dev.battery.trip = 'NONE';
      },
    },
    {
      pattern: compilePattern(':BATTery#:SIMulator:METHod'),
      scope: 'simulator',
      lockedWhileRunning: true,
      set: (dev, { params }) => {
        dev.battery.method = choiceParam(params[0], { STATic: 'static', DYNamic: 'dynamic' } as const);
      },
      query: (dev) => (dev.battery.method === 'static' ? 'STATIC' : 'DYNAMIC'),
    },
    {
      pattern: compilePattern(':BATTery#:SIMulator:SOC'),
      scope: 'simulator',
      set: (dev, { params }) => {
        dev.battery.soc = numericParam(params[0], SIM_RANGES.soc, ['PCT']);
        dev.battery.voc = vocAtOf(dev.battery);
        dev.settle();
      },
      query: (dev) => bare(dev.battery.soc),
    },
    {
      pattern: compilePattern(':BATTery#:SIMulator:VOC'),
      scope: 'simulator',
      set: (dev, { params }) => {
        const range = vocRange(dev.battery.model);
        dev.battery.voc = numericParam(params[0], { ...range, def: range.max }, ['V']);
        dev.battery.soc = socOf(dev.battery);
        dev.settle();
      },
      query: (dev) => bare(dev.battery.voc),
    },
    vocEnd(':BATTery#:SIMulator:VOC:FULL', 'fullVoltage'),
    vocEnd(':BATTery#:SIMulator:VOC:EMPTy', 'emptyVoltage'),
    setting(BATTERY, ':BATTery#:SIMulator:CAPacity:LIMit', 'capacityLimit', SIM_RANGES.capacityLimit, ['AH']),
    {
      pattern: compilePattern(':BATTery#:SIMulator:CAPacity'),
      scope: 'simulator',
      query: (dev) => bare((dev.battery.capacityLimit * dev.battery.soc) / 100),
    },
    setting(BATTERY, ':BATTery#:SIMulator:CURRent:LIMit', 'currentLimit', SIM_RANGES.batteryCurrentLimit, [
      'A',
    ]),
    setting(BATTERY, ':BATTery#:SIMulator:CURRent:PROTection', 'ocp', SIM_RANGES.ocp, ['A']),
    setting(BATTERY, ':BATTery#:SIMulator:TVOLtage:PROTection', 'ovp', SIM_RANGES.ovp, ['V']),
    setting(
      BATTERY,
      ':BATTery#:SIMulator:RESistance:OFFSet',
      'resistanceOffset',
      SIM_RANGES.resistanceOffset,
      ['OHM'],
    ),
    {
      pattern: compilePattern(':BATTery#:SIMulator:RESistance'),
      scope: 'simulator',
      query: (dev) => bare(dev.batteryReading().esr),
    },
    {
      pattern: compilePattern(':BATTery#:SIMulator:TVOLtage'),
      scope: 'simulator',
      query: (dev) => dev.measurement([{ value: dev.batteryReading().terminalVoltage, unit: 'V' }]),
    },
    {
      pattern: compilePattern(':BATTery#:SIMulator:CURRent'),
      scope: 'simulator',
      query: (dev) => dev.measurement([{ value: dev.batteryReading().current, unit: 'A' }]),
    },
    {
      pattern: compilePattern(':BATTery#:STATus'),
      scope: 'simulator',
      query: (dev) => (dev.batteryReading().current < 0 ? 'CHARGE' : 'DISCHARGE'),
    },
    {
      pattern: compilePattern(':BATTery#:MODel:RCL'),
      scope: 'simulator',
      lockedWhileRunning: true,
      set: (dev, { params }) => {
        const model = recallTarget(params[0], dev);
        if (model === undefined) return;
        const range = vocRange(model);
        // UNVERIFIED what a recall resets; here the model's Voc bounds replace full/empty and
        // the SOC is kept, so Voc follows the new curve.
        dev.battery.model = model;
        dev.battery.fullVoltage = range.max;
        dev.battery.emptyVoltage = range.min;
        dev.battery.voc = vocAtOf(dev.battery);
        dev.settle();
      },
      query: (dev) => String(dev.battery.model.id),
    },
    {
      pattern: compilePattern(':BATTery#:MODel<n>:VOC:STEP'),
      scope: 'simulator',
      query: (dev, { captures }) => {
        const slot = captures[0];
        if (slot === undefined || slot < 1 || slot > 9) throw new ScpiParamError(-222, 'Data out of range');
        return dev.slots.has(slot) ? '101' : '0';
      },
    },
  ];
}

function vocAtOf(b: BatteryRegisters): number {
  return vocAt(b.model, b.soc);
}

function socOf(b: BatteryRegisters): number {
  return socForVoc(b.model, b.voc);
}

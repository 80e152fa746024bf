/**
 * Every command text the driver sends, in one place. All of it is fixed: numbers are formatted
 * by the SCPI session (`writeCommand(header, [value])`, finite numbers only), and enumerations
 * map to the constant tokens below, so nothing a user types is ever part of a command.
 */
import type { BatteryLevelKey } from './ordering';
import type { EntryFunction, SimulationMethod } from './replies';

export const IDENTIFY = '*IDN?';

export const ENTRY_FUNCTION_QUERY = ':ENTR:FUNC?';
/** Short tokens; quoted tokens are rejected on hardware and `BATT` is not known to work. */
export const ENTRY_FUNCTION_SET: Readonly<Record<Exclude<EntryFunction, 'test'>, string>> = {
  power: ':ENTR:FUNC POW',
  simulator: ':ENTR:FUNC SIM',
};

export const QUESTIONABLE_SUMMARY = ':STAT:QUES:INST:ISUM:COND?';

export const SUPPLY = {
  outputOn: ':OUTP ON',
  outputOff: ':OUTP OFF',
  outputQuery: ':OUTP?',
  /** `:OUTP ON` resets continuous initiation; Lager re-arms it so readings keep updating. */
  continuousOn: ':INIT:CONT ON',
  measure: ':MEAS:CONC:DC?',
  tripQuery: ':OUTP:PROT:TRIP?',
  tripClear: ':OUTP:PROT:CLE',
  levels: {
    voltage: ':SOUR1:VOLT',
    current: ':SOUR1:CURR',
    ovp: ':SOUR1:VOLT:PROT',
    ocp: ':SOUR1:CURR:PROT',
  },
} as const;

export type SupplyLevelKey = keyof typeof SUPPLY.levels;

export const BATTERY = {
  outputOn: ':BATT:OUTP ON',
  outputOff: ':BATT:OUTP OFF',
  outputQuery: ':BATT:OUTP?',
  /** The manual's form (7-75); Lager queries `:OUTP:PROT:TRIP?` instead — see battery.ts. */
  tripQuery: ':BATT:OUTP:PROT:TRIP?',
  tripClear: ':BATT:OUTP:PROT:CLE',
  /** The PS-form clear, tried when the battery form is unknown (UNVERIFIED which one works). */
  tripClearFallback: ':OUTP:PROT:CLE',
  terminalVoltage: ':BATT:SIM:TVOL?',
  current: ':BATT:SIM:CURR?',
  resistance: ':BATT:SIM:RES?',
  capacity: ':BATT:SIM:CAP?',
  modelRecall: ':BATT:MOD:RCL',
  modelQuery: ':BATT:MOD:RCL?',
  methodQuery: ':BATT:SIM:METH?',
  method: { static: ':BATT:SIM:METH STAT', dynamic: ':BATT:SIM:METH DYN' } satisfies Record<
    SimulationMethod,
    string
  >,
  levels: {
    soc: ':BATT:SIM:SOC',
    voc: ':BATT:SIM:VOC',
    capacity: ':BATT:SIM:CAP:LIM',
    currentLimit: ':BATT:SIM:CURR:LIM',
    fullVoltage: ':BATT:SIM:VOC:FULL',
    emptyVoltage: ':BATT:SIM:VOC:EMPT',
    esrOffset: ':BATT:SIM:RES:OFFS',
    ovp: ':BATT:SIM:TVOL:PROT',
    ocp: ':BATT:SIM:CURR:PROT',
  } satisfies Record<BatteryLevelKey, string>,
} as const;

/** The query that reads a level back: its set header plus '?'. */
export function queryOf(header: string): string {
  return `${header}?`;
}

/**
 * The simulated Keithley 2281S-20-6: a SCPI state machine implementing the VISA layer's
 * `ScpiDeviceModel`, so it is reachable in process (`SIM::2281S::<serial>::INSTR`) and over
 * every simulated transport (raw TCP, VXI-11, USBTMC).
 *
 * Behaviour reproduced from the instrument's reference manual and captured sessions: the three mutually exclusive entry
 * functions (700 for the other function's commands; a query of the other function gets no reply),
 * power supply with CV/CC under a load model, OVP/OCP trips and their clear, battery simulator
 * with model recall, SOC/Voc, dynamic discharge as simulated time advances, 704 for settings
 * changed while the model runs, the error queue, and the parser quirk: after a rejected command
 * the next query (other than `:SYST:ERR?`) gets no reply.
 *
 * For tests: a command log, a session counter, and fault injection (busy on open, unplug,
 * dropped connection, reply delay).
 */
import type { ScpiDeviceModel } from '../../visa/types';
import { DISCHARGE_MODEL, resistanceAt, vocAt } from './battery-models';
import type { BatteryModel } from './battery-models';
import { defaultSlots } from './battery-models';
import type { CommandDef, DeviceContext } from './commands';
import { ERROR_QUERY_PATTERN, buildCommandTable } from './commands';
import { ErrorQueue, esrBitFor } from './errors';
import type { Load } from './physics';
import { integrateSoc, solveBattery, solveSupply } from './physics';
import type { ParsedCommand } from './scpi-parser';
import { ScpiParamError, matchHeader, parseCommand, splitProgramMessage } from './scpi-parser';
import type { BatteryRegisters, SimEntryFunction, SupplyRegisters } from './state';
import { defaultBattery, defaultSupply } from './state';

export interface Simulated2281SOptions {
  firmware?: string;
  /** Time source for measurements' time stamps and dynamic discharge; default Date.now. */
  clock?: { now(): number };
  /**
   * `units` (default): measurement replies as observed on hardware,
   * `-7.293284E-07A,+5.000000E+00V,+1.050650E+04s`; `bare`: bare numbers only, as
   * `:FORM:ELEM "READ"` gives on the sibling 2280 (UNVERIFIED for the 2281S, so the driver must
   * accept both).
   */
  replyStyle?: 'units' | 'bare';
  entryFunction?: SimEntryFunction;
  load?: Load;
}

/** One received command, in order. */
export interface LoggedCommand {
  seq: number;
  text: string;
}

/** An OS-coded error, the way transports see a dead link (isDeviceGone / isBusy classify it). */
function osError(code: string, message: string): Error {
  return Object.assign(new Error(`${message} (${code})`), { code });
}

const MEASUREMENT_EPSILON = 1e-9;
/** Integration step for dynamic discharge; bounded count so a long jump stays cheap. */
const MAX_STEP_MS = 1000;
const MAX_STEPS = 10_000;

export class Simulated2281S implements ScpiDeviceModel, DeviceContext {
  readonly serial: string;
  readonly firmware: string;
  readonly usbIdentity = {
    vendorId: 0x05e6,
    productId: 0x2281,
    manufacturer: 'Keithley Instruments',
    product: '2281S-20-6',
  };

  entryFunction: SimEntryFunction;
  supply: SupplyRegisters = defaultSupply();
  battery: BatteryRegisters = defaultBattery();
  readonly slots: Map<number, BatteryModel> = defaultSlots();
  continuousInitiation = true;
  load: Load;
  replyStyle: 'units' | 'bare';

  /**
   * The most recent commands received (each `;`-separated part of every message), oldest first;
   * `seq` keeps counting past the cap. Capped so a long-running demo monitor cannot grow it forever.
   */
  readonly commandLog: LoggedCommand[] = [];
  static readonly COMMAND_LOG_LIMIT = 10_000;
  /** Program messages received (each a round trip when it holds a query; `a?;b?` counts once). */
  messagesReceived = 0;
  /** Sessions (links) opened onto this instrument, and how many are open now. */
  sessionsOpened = 0;
  openSessions = 0;

  private readonly errors = new ErrorQueue();
  private eventStatus = 0;
  /** The quirk: a rejected command leaves the parser so the next query is not answered. */
  private parserUpset = false;
  private readonly commands: CommandDef[] = buildCommandTable();
  private readonly clock: { now(): number };
  private readonly bootTime: number;
  private lastUpdate: number;
  private manualOffsetMs = 0;
  private seq = 0;

  // Fault injection state.
  private busyOpensLeft = 0;
  private connected = true;
  private dropNextMessage = false;
  private replyDelayMs = 0;

  constructor(serial: string, options: Simulated2281SOptions = {}) {
    this.serial = serial;
    this.firmware = options.firmware ?? '01.08b';
    this.clock = options.clock ?? { now: () => Date.now() };
    this.replyStyle = options.replyStyle ?? 'units';
    this.entryFunction = options.entryFunction ?? 'power';
    this.load = options.load ?? { kind: 'resistance', ohms: 100 };
    this.bootTime = this.clock.now();
    this.lastUpdate = this.bootTime;
  }

  get identity(): string {
    return `KEITHLEY INSTRUMENTS,MODEL 2281S-20-6,${this.serial},${this.firmware}`;
  }

  // --- ScpiDeviceModel ------------------------------------------------------------------------

  execute(message: string): string | null | Promise<string | null> {
    if (!this.connected) throw osError('ENODEV', `simulated 2281S ${this.serial} is unplugged`);
    if (this.dropNextMessage) {
      this.dropNextMessage = false;
      throw osError('ECONNRESET', `simulated 2281S ${this.serial} dropped the connection`);
    }
    this.messagesReceived++;
    this.update();
    const reply = this.run(message);
    if (this.replyDelayMs <= 0) return reply;
    const delay = this.replyDelayMs;
    // A plain timer: the reply is owed, so it may keep the process alive for `delay` ms.
    return new Promise((resolve) => setTimeout(() => resolve(reply), delay));
  }

  deviceClear(): void {
    this.parserUpset = false;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /**
   * A transport (in-process link, TCP connection, VXI-11 link, USB claim) opens a session onto
   * this instrument. Throws an EBUSY-coded error while "busy on open" is injected, as a USB claim
   * does when another program holds the interface.
   */
  openSession(): void {
    if (!this.connected) throw osError('ENODEV', `simulated 2281S ${this.serial} is unplugged`);
    if (this.busyOpensLeft > 0) {
      this.busyOpensLeft--;
      throw osError('EBUSY', `simulated 2281S ${this.serial}: Resource busy`);
    }
    this.sessionsOpened++;
    this.openSessions++;
  }

  closeSession(): void {
    if (this.openSessions > 0) this.openSessions--;
  }

  // --- test and introspection API -------------------------------------------------------------

  /** The next `count` session opens fail with EBUSY. */
  failOpensWithBusy(count: number): void {
    this.busyOpensLeft = count;
  }

  /** The next message kills the link (socket reset / "device disconnected"), once. */
  dropConnection(): void {
    this.dropNextMessage = true;
  }

  /** Pulls the cable: opens fail and open links die until `replug`. */
  unplug(): void {
    this.connected = false;
  }

  replug(): void {
    this.connected = true;
  }

  /** Every reply is delayed by `ms` (0 = answer at once). */
  setReplyDelay(ms: number): void {
    this.replyDelayMs = Math.max(0, ms);
  }

  setLoad(load: Load): void {
    this.update();
    this.load = load;
    this.settle();
  }

  /** Moves simulated time forward (dynamic discharge, measurement time stamps). */
  advanceTime(ms: number): void {
    this.manualOffsetMs += Math.max(0, ms);
    this.update();
  }

  /** Trips a protection as the hardware would (OTP, reverse sense…), for fault tests. */
  injectTrip(trip: 'OVP' | 'OCP' | 'OTP' | 'RVS' | 'OPS'): void {
    if (this.entryFunction === 'simulator') {
      this.battery.trip = trip;
      this.battery.output = false;
    } else {
      this.supply.trip = trip;
      this.supply.output = false;
    }
  }

  /** Stores a model in a memory slot (what `:BATT:MOD:SAVE:INTERNAL` would do). */
  storeModel(slot: number, model: Omit<BatteryModel, 'id'>): void {
    this.slots.set(slot, { ...model, id: slot });
  }

  clearSlot(slot: number): void {
    this.slots.delete(slot);
  }

  /** Commands received whose text matches, e.g. `/^:ENTR:FUNC [A-Z]/i`. */
  commandsMatching(pattern: RegExp): string[] {
    return this.commandLog.map((c) => c.text).filter((t) => pattern.test(t));
  }

  clearCommandLog(): void {
    this.commandLog.length = 0;
  }

  /** The error codes queued now (does not dequeue). */
  pendingErrors(): number[] {
    return this.errors.codes();
  }

  // --- DeviceContext (used by the command handlers) -------------------------------------------

  setEntryFunction(fn: SimEntryFunction): void {
    if (fn === this.entryFunction) return;
    // UNVERIFIED: what the real unit does with a live output on a function change. Switching the
    // outputs off is the safe reading, and what Lager does before every switch.
    this.supply.output = false;
    this.battery.output = false;
    this.entryFunction = fn;
  }

  reset(): void {
    const keepTrips = { supply: this.supply.trip, battery: this.battery.trip };
    this.supply = { ...defaultSupply(), trip: keepTrips.supply };
    this.battery = { ...defaultBattery(DISCHARGE_MODEL), trip: keepTrips.battery };
    this.continuousInitiation = true;
  }

  clearStatus(): void {
    this.errors.clear();
    this.eventStatus = 0;
    this.parserUpset = false;
  }

  nextError(): string {
    return this.errors.next();
  }

  readEventStatus(): number {
    const value = this.eventStatus;
    this.eventStatus = 0;
    return value;
  }

  settle(): void {
    if (this.entryFunction === 'power' && this.supply.output) {
      const r = this.supplyReading();
      if (r.voltage > this.supply.ovp + MEASUREMENT_EPSILON) this.trip('supply', 'OVP');
      else if (r.current > this.supply.ocp + MEASUREMENT_EPSILON) this.trip('supply', 'OCP');
    }
    if (this.entryFunction === 'simulator' && this.battery.output) {
      const r = this.batteryReading();
      if (r.terminalVoltage > this.battery.ovp + MEASUREMENT_EPSILON) this.trip('battery', 'OVP');
      else if (r.current > this.battery.ocp + MEASUREMENT_EPSILON) this.trip('battery', 'OCP');
    }
  }

  supplyReading(): { voltage: number; current: number; mode: 'CV' | 'CC' | 'OFF' } {
    if (this.entryFunction !== 'power' || !this.supply.output) return { voltage: 0, current: 0, mode: 'OFF' };
    return solveSupply(this.supply.voltage, this.supply.current, this.load);
  }

  batteryReading(): { terminalVoltage: number; current: number; esr: number; limited: boolean } {
    const b = this.battery;
    const esr = Math.max(0, resistanceAt(b.model, b.soc) + b.resistanceOffset);
    if (this.entryFunction !== 'simulator' || !b.output)
      return { terminalVoltage: 0, current: 0, esr, limited: false };
    const point = solveBattery(b.voc, esr, b.currentLimit, this.load, b);
    return { ...point, esr };
  }

  questionableSummary(): number {
    const tripBits = (trip: string): number => ({ OCP: 4, OVP: 8, OTP: 16, RVS: 32 })[trip] ?? 0;
    if (this.entryFunction === 'simulator') {
      const b = this.batteryReading();
      let bits = tripBits(this.battery.trip);
      if (this.battery.output) bits |= 64 | (b.limited ? 1 : 2);
      return bits;
    }
    const s = this.supplyReading();
    let bits = tripBits(this.supply.trip);
    if (this.supply.output) bits |= 64 | (s.mode === 'CC' ? 1 : 2);
    return bits;
  }

  measurement(fields: readonly { value: number; unit: string }[]): string {
    // Bare: the readings only, no units, no time stamp (a concurrent reading stays I,V).
    if (this.replyStyle === 'bare') return fields.map((f) => scientific(f.value)).join(',');
    const seconds = (this.now() - this.bootTime) / 1000;
    return [...fields.map((f) => `${scientific(f.value)}${f.unit}`), `${scientific(seconds)}s`].join(',');
  }

  // --- internals ------------------------------------------------------------------------------

  private now(): number {
    return this.clock.now() + this.manualOffsetMs;
  }

  private trip(which: 'supply' | 'battery', kind: 'OVP' | 'OCP'): void {
    const regs = which === 'supply' ? this.supply : this.battery;
    regs.trip = kind;
    regs.output = false;
  }

  /** Brings the battery's charge up to the present simulated time. */
  private update(): void {
    const now = this.now();
    const elapsed = now - this.lastUpdate;
    this.lastUpdate = now;
    const b = this.battery;
    if (elapsed <= 0 || this.entryFunction !== 'simulator' || !b.output || b.method !== 'dynamic') return;
    const steps = Math.min(MAX_STEPS, Math.ceil(elapsed / MAX_STEP_MS));
    const stepSeconds = elapsed / steps / 1000;
    for (let i = 0; i < steps && b.output; i++) {
      const { current } = this.batteryReading();
      b.soc = integrateSoc(b.soc, current, stepSeconds, b.capacityLimit);
      b.voc = vocOf(b);
      this.settle();
    }
  }

  private pushError(code: number): void {
    this.errors.push(code);
    this.eventStatus |= esrBitFor(code);
  }

  private run(message: string): string | null {
    const replies: string[] = [];
    let unanswered = false;
    for (const text of splitProgramMessage(message)) {
      this.commandLog.push({ seq: ++this.seq, text });
      const limit = Simulated2281S.COMMAND_LOG_LIMIT;
      if (this.commandLog.length > limit + (limit >> 3))
        this.commandLog.splice(0, this.commandLog.length - limit);
      const parsed = parseCommand(text);
      if (!parsed) {
        this.reject(-102);
        continue;
      }
      if (parsed.isQuery && this.parserUpset) {
        // The quirk [lager-hw]: a query right after a rejected command is lost, except
        // :SYST:ERR?, which is answered; either way the parser is healthy again afterwards.
        this.parserUpset = false;
        if (!this.isErrorQuery(parsed)) {
          unanswered = true;
          continue;
        }
      }
      const reply = this.dispatch(parsed);
      if (parsed.isQuery) {
        if (reply === undefined) unanswered = true;
        else replies.push(reply);
      }
    }
    if (unanswered || replies.length === 0) return null;
    return replies.join(';');
  }

  private isErrorQuery(parsed: ParsedCommand): boolean {
    return this.findDef(parsed)?.pattern.source === ERROR_QUERY_PATTERN;
  }

  private findDef(parsed: ParsedCommand): CommandDef | undefined {
    for (const def of this.commands) {
      if (matchHeader(parsed.tokens, def.pattern) && (parsed.isQuery ? def.query : def.set)) return def;
    }
    return undefined;
  }

  private reject(code: number): void {
    this.pushError(code);
    this.parserUpset = true;
  }

  /** Runs one command; returns the reply of a query, undefined when it gets none. */
  private dispatch(parsed: ParsedCommand): string | undefined {
    const def = this.findDef(parsed);
    if (!def) {
      this.reject(-113);
      return undefined;
    }
    if (def.scope !== 'any' && def.scope !== this.entryFunction) {
      // A command of the other entry function: 700, and a query of it is never answered
      // ("mode-enforcing queries can take a full VISA timeout", observed on hardware).
      this.reject(700);
      return undefined;
    }
    const captures = matchHeader(parsed.tokens, def.pattern) ?? [];
    try {
      if (parsed.isQuery) {
        if (parsed.params.length > 0) throw new ScpiParamError(-108, 'Parameter not allowed');
        return def.query!(this, { params: parsed.params, captures });
      }
      if (parsed.params.length > (def.maxParams ?? 1))
        throw new ScpiParamError(-108, 'Parameter not allowed');
      if (def.lockedWhileRunning && this.entryFunction === 'simulator' && this.battery.output) {
        throw new ScpiParamError(704, '');
      }
      def.set!(this, { params: parsed.params, captures });
      return undefined;
    } catch (err) {
      if (!(err instanceof ScpiParamError)) throw err;
      this.reject(err.code);
      return undefined;
    }
  }
}

/** Voc follows the model curve as the charge moves (dynamic method). */
function vocOf(b: BatteryRegisters): number {
  return vocAt(b.model, b.soc);
}

/** `+5.000000E+00` — the instrument's measurement number format; overflow as 9.91E37. */
export function scientific(value: number): string {
  if (!Number.isFinite(value)) return '+9.910000E+37';
  const [mantissa, exponent] = value.toExponential(6).split('e');
  const exp = Number(exponent);
  const sign = mantissa.startsWith('-') ? '' : '+';
  return `${sign}${mantissa}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/**
 * `Keithley2281S`: what the package knows about one 2281S between transactions — its identity
 * and its entry function — cached in the shared resource's DriverCache (sharing rule 5, docs/design.md). One
 * object serves both roles on the one shared session. `registry.clear` drops it, so the next use
 * re-reads everything from the instrument while the session stays open; a new session (stale
 * replacement, `clearAll`) is noticed by `bind` and forgets the entry function the same way.
 */
import { LabbenchError, ProtocolError, RoleConflictError, UnsupportedError } from '../core/errors';
import { cacheKey } from '../core/driver-cache';
import type { Lease } from '../core/registry';
import type { ScpiSession } from '../visa/session';
import { BATTERY, ENTRY_FUNCTION_QUERY, ENTRY_FUNCTION_SET, IDENTIFY, SUPPLY } from './commands';
import type { InstrumentIo } from './io';
import type { EntryFunction, Identity } from './replies';
import { parseEntryFunction, parseIdentity } from './replies';

export type KeithleyRole = 'supply' | 'battery';

export const DRIVER_CACHE_NAME = 'keithley-2281s';
/** Where the driver lives in the resource's driver cache. */
export const DRIVER_CACHE_KEY = cacheKey<Keithley2281S>(DRIVER_CACHE_NAME);

/** The entry function each role needs. */
export const FUNCTION_OF_ROLE: Readonly<Record<KeithleyRole, Exclude<EntryFunction, 'test'>>> = {
  supply: 'power',
  battery: 'simulator',
};

const FUNCTION_NAMES: Readonly<Record<EntryFunction, string>> = {
  power: 'power-supply',
  simulator: 'battery-simulator',
  test: 'battery-test',
};

/** Why a role conflict is unavoidable on this instrument (RoleGuard appends it to its message). */
export const ROLE_EXPLANATION =
  'The 2281S cannot be a power supply and a battery simulator at the same time: its two entry functions are mutually exclusive.';

export class Keithley2281S {
  private boundSession: ScpiSession | undefined;
  private identity: Identity | undefined;
  private entryFunction: EntryFunction | undefined;
  private stateEpoch = 0;
  /**
   * Whether state reads may be sent as one compound query (`q1;q2;…`): 'untried' until the first
   * attempt, 'refused' (single queries from then on) once the instrument refused or answered in
   * another shape. Per session (see `bind`).
   */
  compoundQueries: 'untried' | 'works' | 'refused' = 'untried';

  /** The cached driver of the instrument behind `lease`, built on first use. */
  static of(lease: Lease<ScpiSession>): Keithley2281S {
    return lease.cache.get(DRIVER_CACHE_KEY, () => new Keithley2281S());
  }

  /** The entry function as last read or set; undefined until read (after a clear or reconnect). */
  get knownFunction(): EntryFunction | undefined {
    return this.entryFunction;
  }

  /**
   * Called at the start of every transaction. A session other than the last one means the link
   * was replaced (reconnect): the instrument may have been power-cycled or switched meanwhile,
   * so everything learned is forgotten and read again. So does a free-form transaction on the
   * same session (`ScpiSession.markStateUnknown`).
   */
  bind(session: ScpiSession): void {
    if (this.boundSession === session && this.stateEpoch === session.stateEpoch) return;
    // A free-form SCPI transaction since our last one (the session's state epoch moved) may have
    // switched the function or loaded another instrument state: forget, read again. Whether the
    // instrument takes compound queries is a property of the link, kept unless the link changed.
    if (this.boundSession !== session) this.compoundQueries = 'untried';
    this.boundSession = session;
    this.stateEpoch = session.stateEpoch;
    this.identity = undefined;
    this.entryFunction = undefined;
  }

  /** Forget the entry function (the instrument answered 700: it was switched behind our back). */
  forgetFunction(): void {
    this.entryFunction = undefined;
  }

  /** `*IDN?`, read once per driver; refuses instruments that are not a 2281S. */
  async readIdentity(io: InstrumentIo): Promise<Identity> {
    if (this.identity) return this.identity;
    const identity = parseIdentity(await io.query(IDENTIFY), IDENTIFY);
    if (!/2281S/i.test(identity.model)) {
      throw new UnsupportedError(
        `${io.label} is a ${identity.manufacturer} ${identity.model}, not a Keithley 2281S; the keithley nodes drive only the 2281S (its supply and battery-simulator functions).`,
        { resource: io.label },
      );
    }
    this.identity = identity;
    return identity;
  }

  async readFunction(io: InstrumentIo): Promise<EntryFunction> {
    this.entryFunction = parseEntryFunction(await io.query(ENTRY_FUNCTION_QUERY), ENTRY_FUNCTION_QUERY);
    return this.entryFunction;
  }

  /**
   * Makes sure the instrument is in the function `role` needs, switching only when it is not
   * (sharing rule 5 in docs/design.md: never before every command). `maySwitch: false` is for monitors, which must
   * not be intrusive: they fail instead (see `NotInRoleError`). Returns true when it switched.
   *
   * Before switching, the outgoing function's output is turned off: whether the firmware does
   * that itself on a function change is UNVERIFIED, and a supply output left live under a
   * battery simulation (or the reverse) must never happen by accident. After the switch the
   * function is read back, since the exact reply spelling and whether the switch always takes
   * are UNVERIFIED.
   */
  async ensureFunction(
    io: InstrumentIo,
    role: KeithleyRole,
    options: { maySwitch: boolean; requester: string },
  ): Promise<boolean> {
    const wanted = FUNCTION_OF_ROLE[role];
    const current = this.entryFunction ?? (await this.readFunction(io));
    if (current === wanted) return false;
    if (!options.maySwitch) throw notInRole(io.label, role, current, options.requester);
    this.entryFunction = undefined;
    if (current === 'power') await io.write(SUPPLY.outputOff);
    if (current === 'simulator') await io.write(BATTERY.outputOff);
    await io.write(ENTRY_FUNCTION_SET[wanted]);
    const now = await this.readFunction(io);
    if (now !== wanted) {
      throw new ProtocolError(
        `${io.label} stayed in its ${FUNCTION_NAMES[now]} function after ${ENTRY_FUNCTION_SET[wanted]}; switch it on the front panel (MENU → Function) and retry.`,
        { resource: io.label },
      );
    }
    return true;
  }
}

/**
 * What a monitor read reports when the 2281S is in the other entry function. Decision: a monitor
 * never switches the function (spec "monitors non-intrusive"; switching would cut off a running
 * battery simulation or supply output), so its read fails with E_ROLE_CONFLICT, telling the user
 * how to bring the instrument into the monitored role. The RoleGuard already stops the other
 * role's nodes from switching it while this monitor runs, so this happens only when the function
 * was changed before the monitor started, or on the front panel.
 */
function notInRole(
  label: string,
  role: KeithleyRole,
  current: EntryFunction,
  requester: string,
): LabbenchError {
  return new RoleConflictError(
    `${requester} monitors ${label} as a ${role === 'supply' ? 'power supply' : 'battery simulator'}, but the 2281S is in its ${FUNCTION_NAMES[current]} function. A monitor never switches the function, so as not to interrupt whoever set it; send ${requester} a message (any setting, or topic "state") to switch it.`,
    { resource: label },
  );
}

/** True when `err` is the instrument saying "not permitted in this mode" (700). */
export function isWrongFunctionError(err: unknown): boolean {
  return err instanceof LabbenchError && err.code === 'E_DEVICE_ERROR' && err.deviceCode === 700;
}

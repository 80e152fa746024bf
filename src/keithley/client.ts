/**
 * The 2281S as the keithley-supply and keithley-battery nodes use it: one object per node (or
 * per call), on the shared session's lease. Every operation follows the same order:
 *
 *   1. validate the input completely (pure; a bad value fails before any I/O);
 *   2. check the role against running monitors (sharing rule 6 in docs/design.md: fail fast, before queueing);
 *   3. one transaction on the shared session: check the role again (a monitor may have started
 *      while we queued), bring the instrument into the role's entry function if needed, apply the
 *      settings in the safe order, read the state back.
 *
 * Monitors: the nodes layer owns the timers; it calls `startMonitor` once (which registers with
 * the RoleGuard) and then `readSupplyState({ monitor: true })` per tick, which never switches the
 * entry function (see driver.ts for what it does instead).
 */
import type { Lease } from '../core/registry';
import type { RoleHolder } from '../core/roles';
import type { ScpiSession } from '../visa/session';
import { readBatteryOutput, readBatteryPresent, readBatteryState, runBatterySteps } from './battery';
import type { KeithleyRole } from './driver';
import { DRIVER_CACHE_KEY, Keithley2281S, ROLE_EXPLANATION, isWrongFunctionError } from './driver';
import { InstrumentIo } from './io';
import {
  batteryPlanNeedsPresent,
  needsOutputOff,
  planBattery,
  planSupply,
  supplyPlanNeedsPresent,
} from './ordering';
import type { BatterySettings, SupplySettings } from './settings';
import { validateBatterySettings, validateSupplySettings } from './settings';
import type { BatteryApplyResult, BatteryState, SupplyState } from './state';
import { readSupplyPresent, readSupplyState, runSupplySteps } from './supply';

export interface ReadOptions {
  /**
   * A monitor tick: never switches the entry function; fails with E_ROLE_CONFLICT when the
   * instrument is in the other function.
   */
  monitor?: boolean;
}

export interface KeithleyClientOptions {
  /** Per-transaction timeout, ms (default: the registry's). */
  transactionTimeoutMs?: number;
}

export class Keithley2281SClient {
  /**
   * @param lease the shared SCPI session's lease (from `acquireVisaSession`).
   * @param requester who asks, for messages, e.g. 'keithley-supply "Bench PSU"'.
   */
  constructor(
    readonly lease: Lease<ScpiSession>,
    readonly requester: string,
    private readonly options: KeithleyClientOptions = {},
  ) {}

  /** The cached driver object, if one is cached now (introspection; `clear` drops it). */
  get driver(): Keithley2281S | undefined {
    return this.lease.cache.peek(DRIVER_CACHE_KEY);
  }

  /**
   * Applies a supply payload (keithley-supply keys: voltage, current, ovp, ocp, output, clear) in the
   * safe order and returns the state read afterwards. `{}` only reads (and switches to the
   * supply function if needed).
   */
  async applySupply(input: SupplySettings | Record<string, unknown>): Promise<SupplyState> {
    const settings = validateSupplySettings(input);
    return this.transaction('supply', 'apply supply settings', false, async (io, driver) => {
      const present = supplyPlanNeedsPresent(settings) ? await readSupplyPresent(io, driver) : undefined;
      await runSupplySteps(io, planSupply(settings, present));
      return readSupplyState(io, driver);
    });
  }

  readSupplyState(options: ReadOptions = {}): Promise<SupplyState> {
    return this.transaction('supply', 'read supply state', options.monitor === true, (io, driver) =>
      readSupplyState(io, driver),
    );
  }

  /**
   * Applies a battery payload (keithley-battery keys). Settings the 2281S refuses while the simulation
   * runs are written with the output off and the output restored (`restoredOutput: true`).
   */
  async applyBattery(input: BatterySettings | Record<string, unknown>): Promise<BatteryApplyResult> {
    const settings = validateBatterySettings(input);
    return this.transaction('battery', 'apply battery settings', false, async (io, driver) => {
      const outputIsOn = needsOutputOff(settings) ? await readBatteryOutput(io) : false;
      const present = batteryPlanNeedsPresent(settings) ? await readBatteryPresent(io) : undefined;
      const plan = planBattery(settings, present, outputIsOn);
      await runBatterySteps(io, plan.steps, plan.restoresOutput);
      return { state: await readBatteryState(io, driver), restoredOutput: plan.restoresOutput };
    });
  }

  readBatteryState(options: ReadOptions = {}): Promise<BatteryState> {
    return this.transaction('battery', 'read battery state', options.monitor === true, (io, driver) =>
      readBatteryState(io, driver),
    );
  }

  /**
   * Registers a monitor in `role` with the instrument's RoleGuard; returns the function that
   * stops it. Throws E_ROLE_CONFLICT, naming the other monitor, while the other role is monitored.
   */
  startMonitor(role: KeithleyRole, holder: RoleHolder): () => void {
    return this.lease.roles.startMonitor(role, holder, ROLE_EXPLANATION);
  }

  private checkRole(role: KeithleyRole): void {
    this.lease.roles.check(role, this.requester, ROLE_EXPLANATION);
  }

  private async transaction<T>(
    role: KeithleyRole,
    label: string,
    monitor: boolean,
    body: (io: InstrumentIo, driver: Keithley2281S) => Promise<T>,
  ): Promise<T> {
    this.checkRole(role);
    return this.lease.transact(
      async (session, signal) => {
        this.checkRole(role);
        const io = new InstrumentIo(session, signal);
        const driver = Keithley2281S.of(this.lease);
        driver.bind(session);
        const attempt = async (): Promise<T> => {
          await driver.ensureFunction(io, role, { maySwitch: !monitor, requester: this.requester });
          return body(io, driver);
        };
        try {
          return await attempt();
        } catch (err) {
          // 700 means the function changed behind our back (front panel): read it again and
          // retry once. Monitors do not retry: they must not switch.
          if (monitor || !isWrongFunctionError(err)) throw err;
          driver.forgetFunction();
          return attempt();
        }
      },
      { label: `${this.requester}: ${label}`, timeoutMs: this.options.transactionTimeoutMs },
    );
  }
}

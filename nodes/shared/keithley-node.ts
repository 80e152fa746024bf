/**
 * The runtime shared by keithley-supply and keithley-battery (SPEC §2.3 / §2.4): one adapter,
 * parameterised by role. It parses the node's properties, turns each message into a validated
 * request (src/keithley settings), runs it through the 2281S client on the labbench-visa node's
 * shared session, maps the state to messages and status, and owns the monitor timer.
 *
 * Monitor rules: ticks never overlap (a tick that finds the previous read still running is
 * skipped); a failing tick is reported through `node.error(err, msg)` so Catch sees it — once per
 * run of identical failures, so a dead instrument does not flood Catch every period — and the
 * monitor keeps running (the next success clears the failure).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { NotFoundError, type LabbenchError, toLabbenchError } from '../../src/core';
import type { Lease, ResourceState } from '../../src/core';
import type { ScpiSession } from '../../src/visa';
import { Keithley2281SClient, type BatteryState, type SupplyState } from '../../src/keithley';
import { describeNode, parsePeriod } from './config';
import {
  batteryRequestFromMessage,
  supplyRequestFromMessage,
  type KeithleyRequest,
} from './keithley-messages';
import { InputRunner, reportError, showError, type Send } from './errors';
import { statusForState } from './lease-keeper';
import { IDLE, fmt, monitoring, problem, ready, reasonFor } from './status';
import type { VisaConfigNode } from './types';

export type KeithleyRole = 'supply' | 'battery';

export interface KeithleyDef extends NodeDef {
  instrument?: string;
  monitor?: number | string;
  output?: string;
}

const DEFAULT_MONITOR_MS = 1000;

type AnyState = SupplyState | BatteryState;

interface RoleAdapter {
  request(topic: unknown, payload: unknown): KeithleyRequest<Record<string, unknown>>;
  apply(
    client: Keithley2281SClient,
    settings: Record<string, unknown>,
  ): Promise<{ state: AnyState; restoredOutput?: boolean }>;
  read(client: Keithley2281SClient, monitor: boolean): Promise<AnyState>;
  /** The quantities sent in perValue mode. */
  perValue: readonly string[];
  summary(state: AnyState): string;
}

const ADAPTERS: Record<KeithleyRole, RoleAdapter> = {
  supply: {
    request: (topic, payload) =>
      supplyRequestFromMessage(topic, payload) as KeithleyRequest<Record<string, unknown>>,
    apply: async (client, settings) => ({ state: await client.applySupply(settings) }),
    read: (client, monitor) => client.readSupplyState({ monitor }),
    perValue: ['voltage', 'current', 'power'],
    summary: (s) => {
      const st = s as SupplyState;
      return st.output
        ? `${fmt(st.voltage)} V ${fmt(st.current, 3)} A ${st.mode}`
        : `${fmt(st.voltage)} V output off`;
    },
  },
  battery: {
    request: (topic, payload) =>
      batteryRequestFromMessage(topic, payload) as KeithleyRequest<Record<string, unknown>>,
    apply: async (client, settings) => client.applyBattery(settings),
    read: (client, monitor) => client.readBatteryState({ monitor }),
    perValue: ['terminalVoltage', 'current', 'soc'],
    summary: (s) => {
      const st = s as BatteryState;
      return `${fmt(st.terminalVoltage)} V ${fmt(st.soc, 1)} %${st.output ? '' : ' off'}`;
    },
  },
};

export function setupKeithleyNode(RED: NodeAPI, node: Node, def: KeithleyDef, role: KeithleyRole): void {
  const adapter = ADAPTERS[role];
  const requester = describeNode({ type: `keithley-${role}`, name: def.name, id: def.id });
  const config = (def.instrument ? RED.nodes.getNode(def.instrument) : null) as VisaConfigNode | null;
  const outputMode = def.output === 'perValue' ? 'perValue' : 'state';
  let configuredPeriod = 0;
  let propertyError: LabbenchError | undefined;
  try {
    configuredPeriod = parsePeriod(def.monitor, 'Monitor period', 100);
  } catch (err) {
    propertyError = toLabbenchError(err);
  }
  const topicBase = (): string => def.name || config?.name || role;

  let closing = false;
  let monitorTimer: NodeJS.Timeout | undefined;
  let stopRole: (() => void) | undefined;
  let tickInFlight: Promise<void> | undefined;
  let lastFailure: string | undefined;

  function requireConfig(): VisaConfigNode {
    if (propertyError) throw propertyError;
    if (!config || !config.keeper) {
      throw new NotFoundError(
        `${requester} has no instrument: choose a labbench-visa config node in its properties (it may be missing, disabled or not deployed).`,
      );
    }
    return config;
  }

  function client(lease: Lease<ScpiSession>): Keithley2281SClient {
    return new Keithley2281SClient(lease, requester);
  }

  function messagesFor(state: AnyState, base: NodeMessage): NodeMessage[] {
    if (outputMode === 'state') {
      base.topic = `${topicBase()}/state`;
      base.payload = state;
      return [base];
    }
    const record = state as unknown as Record<string, unknown>;
    return adapter.perValue.map((q, i) => {
      const m: NodeMessage = i === 0 ? base : RED.util.cloneMessage(base);
      m.topic = `${topicBase()}/${q}`;
      m.payload = record[q];
      (m as Record<string, unknown>).timestamp = (state as { timestamp: number }).timestamp;
      return m;
    });
  }

  function showState(state: AnyState): void {
    node.status(stopRole ? monitoring(adapter.summary(state)) : ready(adapter.summary(state)));
  }

  // Resource state pushed by the config node (opening, lost…): keep "monitoring" blue.
  (
    node as Node & { labbenchResourceState?: (s: ResourceState, e?: LabbenchError) => void }
  ).labbenchResourceState = (state, err) => {
    if (stopRole && !err && state !== 'closed') return;
    const status = statusForState(state, err);
    if (status) node.status(status);
  };

  // ---- monitor ---------------------------------------------------------------------------------

  function startMonitor(periodMs: number): void {
    const cfg = requireConfig();
    if (!stopRole) {
      stopRole = client(cfg.keeper.get()).startMonitor(role, { id: node.id, name: requester });
    }
    if (monitorTimer) clearInterval(monitorTimer);
    monitorTimer = setInterval(tick, periodMs);
    node.status(monitoring());
    tick();
  }

  function stopMonitor(): void {
    if (monitorTimer) clearInterval(monitorTimer);
    monitorTimer = undefined;
    stopRole?.();
    stopRole = undefined;
    lastFailure = undefined;
  }

  function tick(): void {
    if (closing || tickInFlight || !stopRole) return; // no overlap
    const cfg = config;
    if (!cfg) return;
    tickInFlight = cfg.keeper
      .use((lease) => adapter.read(client(lease), true))
      .then(
        (state) => {
          tickInFlight = undefined;
          lastFailure = undefined;
          if (closing || !stopRole) return;
          showState(state);
          for (const m of messagesFor(state, { _msgid: RED.util.generateId() } as NodeMessage)) node.send(m);
        },
        (err: unknown) => {
          tickInFlight = undefined;
          if (closing) return;
          const e = toLabbenchError(err);
          // The session closing under a redeploy is not a fault of the instrument.
          if (e.code === 'E_CLOSED') return;
          const signature = `${e.code}:${e.message}`;
          if (signature === lastFailure) {
            showError(node, e);
            return;
          }
          lastFailure = signature;
          reportError(node, e, { topic: `${topicBase()}/state`, payload: undefined, monitor: true });
        },
      );
  }

  // ---- input -----------------------------------------------------------------------------------

  const runner = new InputRunner(
    node,
    async (msg: NodeMessageInFlow, send: Send) => {
      const cfg = requireConfig();
      const request = adapter.request(msg.topic, msg.payload);
      if (request.monitor === false) {
        stopMonitor();
        node.status(IDLE);
      }
      const onlyMonitor = request.monitor !== undefined && Object.keys(request.settings).length === 0;
      if (!onlyMonitor) {
        const result = await cfg.keeper.use((lease) => adapter.apply(client(lease), request.settings));
        const out = msg as unknown as NodeMessage & { restoredOutput?: boolean };
        if (role === 'battery') out.restoredOutput = result.restoredOutput === true;
        showState(result.state);
        send([messagesFor(result.state, out)]);
      }
      if (request.monitor === true) {
        startMonitor(configuredPeriod > 0 ? configuredPeriod : DEFAULT_MONITOR_MS);
      }
    },
    () => ({ resource: config?.visaConfig?.resource }),
  );

  // ---- lifecycle -------------------------------------------------------------------------------

  if (config && typeof config.register === 'function') config.register(node);
  if (propertyError) node.status(problem(reasonFor(propertyError.code)));
  else if (!config) node.status(problem('no instrument'));
  else node.status(IDLE);

  if (configuredPeriod > 0 && config && !propertyError) {
    // Monitoring from deploy: a failure to start (role conflict) reaches Catch like a tick's.
    setImmediate(() => {
      if (closing) return;
      try {
        startMonitor(configuredPeriod);
      } catch (err) {
        reportError(node, err, { topic: `${topicBase()}/state`, payload: undefined, monitor: true });
      }
    });
  }

  node.on('close', (removed: boolean, done: () => void) => {
    closing = true;
    stopMonitor();
    Promise.allSettled([runner.drain(), tickInFlight ?? Promise.resolve()])
      .catch(() => undefined)
      .then(() => {
        try {
          config?.deregister?.(node, removed === true);
        } catch {
          // never throw from close
        }
        done();
      });
  });
}

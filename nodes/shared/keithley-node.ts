/**
 * The runtime shared by keithley-supply and keithley-battery: one adapter,
 * parameterised by role. It parses the node's properties, turns each message into a validated
 * request (src/keithley settings), runs it through the 2281S client on the labbench-visa node's
 * shared session, maps the state to messages and status, and owns the monitor timer.
 *
 * Monitor rules (the FlowNode repeater's): ticks never overlap; a failing tick is reported through
 * `node.error(err, msg)` so Catch sees it — once per run of identical failures, so a dead
 * instrument does not flood Catch every period — and the monitor keeps running (the next success
 * clears the failure and shows the recovery).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Lease } from '../../src/core';
import type { ScpiSession } from '../../src/visa';
import { Keithley2281SClient, type BatteryState, type SupplyState } from '../../src/keithley';
import {
  batteryRequestFromMessage,
  supplyRequestFromMessage,
  type KeithleyRequest,
} from './keithley-messages';
import {
  describeNode,
  errorOf,
  MIN_MONITOR_PERIOD_MS,
  parsePeriod,
  parseProperties,
  validOrUndefined,
} from './config';
import { configNode, onInstrument, requireInstrument } from './config-nodes';
import { reportError, type Send } from './errors';
import { FlowNode, recoveryMessage } from './flow-node';
import { idle, inactive, monitoring, ready, valueText } from './status';
import type { VisaConfigNode } from './types';

export type KeithleyRole = 'supply' | 'battery';

export interface KeithleyDef extends NodeDef {
  instrument?: string;
  monitor?: number | string;
  output?: string;
  recovery?: boolean;
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
        ? `${valueText(st.voltage, 'V')} ${valueText(st.current, 'A')} ${st.mode}`
        : `${valueText(st.voltage, 'V')} ${st.mode}`;
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
      return `${valueText(st.terminalVoltage, 'V')} ${valueText(st.soc, '%')}${st.output ? '' : ' OFF'}`;
    },
  },
};

/** A keithley node as the other keithley nodes on its instrument see it. */
interface KeithleyUser {
  labbenchKeithleyRole?: KeithleyRole;
  /** Another node switched the instrument to its role: this node's last reading is stale. */
  labbenchRoleTaken?(): void;
}

export function setupKeithleyNode(RED: NodeAPI, node: Node, def: KeithleyDef, role: KeithleyRole): void {
  const adapter = ADAPTERS[role];
  const type = `keithley-${role}`;
  const requester = describeNode({ type, name: def.name, id: def.id });
  const config = configNode<VisaConfigNode>(RED, def.instrument);
  const outputMode = def.output === 'perValue' ? 'perValue' : 'state';
  const recovery = def.recovery === true;
  const period = parseProperties(() => parsePeriod(def.monitor, 'Monitor period', MIN_MONITOR_PERIOD_MS));
  const configuredPeriod = validOrUndefined(period) ?? 0;
  const topicBase = (): string => def.name || config?.name || role;

  const flow = new FlowNode({
    RED,
    node,
    type,
    propertyError: errorOf(period),
    ...onInstrument(config),
  });
  const t = flow.t;
  let stopRole: (() => void) | undefined;

  function requireConfig(): VisaConfigNode {
    if (!period.ok) throw period.error;
    return requireInstrument(config, requester);
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

  /** Shows a fresh reading, and tells the other role's nodes on this instrument theirs is stale. */
  function showState(state: AnyState): void {
    flow.show(stopRole ? monitoring(t, adapter.summary(state)) : ready(t, adapter.summary(state)));
    for (const user of Object.values(config?.users ?? {}) as (Node & KeithleyUser)[]) {
      if (user === node || !user.labbenchKeithleyRole || user.labbenchKeithleyRole === role) continue;
      try {
        user.labbenchRoleTaken?.();
      } catch {
        // another node's status must not fail this one
      }
    }
  }

  const self = node as Node & KeithleyUser;
  self.labbenchKeithleyRole = role;
  self.labbenchRoleTaken = () => {
    if (!stopRole) flow.show(inactive(t('status.otherRole')));
  };

  // ---- monitor ---------------------------------------------------------------------------------

  const monitor = flow.repeat({
    run: async () => {
      const cfg = requireConfig();
      const state = await cfg.keeper.use((lease) => adapter.read(client(lease), true));
      if (flow.closing || !stopRole) return;
      showState(state);
      for (const m of messagesFor(state, { _msgid: RED.util.generateId() } as NodeMessage)) node.send(m);
    },
    failureMessage: () => ({ topic: `${topicBase()}/state`, payload: undefined, monitor: true }),
    recoveryMessage: recovery ? (r) => recoveryMessage(RED, `${topicBase()}/recovered`, r) : undefined,
  });

  function startMonitor(periodMs: number): void {
    const cfg = requireConfig();
    if (!stopRole) {
      stopRole = client(cfg.keeper.get()).startMonitor(role, { id: node.id, name: requester });
    }
    flow.show(monitoring(t));
    monitor.start(periodMs);
  }

  function stopMonitor(): void {
    monitor.stop();
    stopRole?.();
    stopRole = undefined;
  }
  flow.onClose(stopMonitor);

  // ---- input -----------------------------------------------------------------------------------

  flow.onInput(async (msg: NodeMessageInFlow, send: Send) => {
    const cfg = requireConfig();
    const request = adapter.request(msg.topic, msg.payload);
    if (request.monitor === false) {
      stopMonitor();
      flow.show(idle(t));
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
  });

  if (configuredPeriod > 0 && config) {
    // Monitoring from deploy: a failure to start (role conflict) reaches Catch like a tick's.
    flow.defer(() => {
      try {
        startMonitor(configuredPeriod);
      } catch (err) {
        flow.showError(
          reportError(node, err, { topic: `${topicBase()}/state`, payload: undefined, monitor: true }),
        );
      }
    });
  }
}

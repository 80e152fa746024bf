/**
 * `modbus`: reads or writes any Modbus device on a labbench-serial-port bus — a local RS-485 port,
 * a `sim:` bus, a `tcp://` serial device server (RTU framing) or a `modbus-tcp://` gateway (MBAP).
 *
 * The node claims the port for the `modbus` protocol with the port's serial settings, so it shares
 * one handle, one FIFO and the inter-frame silence with every labbench-watlow controller in Modbus
 * mode on that port; a Std Bus claim and this one refuse each other (E_PROTOCOL_CONFLICT, naming
 * the holder). labbench-serial-port holds no lease itself, so this node keeps its own: taken on
 * first use, let go once its work has drained when it closes (with the grace period when it is
 * only being restarted, so a "modified nodes" deploy neither closes nor reopens the port).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Lease } from '../src/core';
import {
  readModbusValues,
  registersPerValue,
  rtuInterFrameGapMs,
  writeModbusValues,
  type ModbusPortAccess,
  type ModbusValue,
  type ValueSpec,
} from '../src/modbus';
import type { ByteStream } from '../src/transport';
import { busLabel } from './shared/bus';
import { describeNode, errorOf, parseProperties, settingsOf, validOrUndefined } from './shared/config';
import { acquirePortBus, configNode, requireSerialPort } from './shared/config-nodes';
import type { Send } from './shared/errors';
import { clockOf, FlowNode, type Repeater } from './shared/flow-node';
import { plural, translator } from './shared/i18n';
import { LeaseKeeper } from './shared/lease-keeper';
import { parseModbusNodeConfig, resolveForMessage } from './shared/modbus-config';
import { registerNode } from './shared/register';
import { ready, valueText } from './shared/status';
import type { SerialPortNode } from './shared/types';

interface ModbusDef extends NodeDef {
  port?: string;
}

type ModbusMsg = NodeMessage & { address?: unknown; register?: unknown; count?: unknown };

export = function (RED: NodeAPI): void {
  registerNode(RED, 'modbus', (node: Node, def: ModbusDef) => {
    const describe = describeNode({ type: 'modbus', name: def.name, id: def.id });
    const portNode = configNode<SerialPortNode>(RED, def.port);
    const name = def.name || 'modbus';
    const parsed = parseProperties(() => {
      const props = parseModbusNodeConfig(def as unknown as Record<string, unknown>);
      // An invalid port fails every message with the port's own error.
      if (portNode) settingsOf(portNode.portConfig);
      return props;
    });

    const keeper = new LeaseKeeper<ByteStream>({
      describe,
      clock: clockOf(RED),
      texts: translator(RED, 'modbus'),
      acquire: () => acquirePortBus(RED, requireSerialPort(portNode, describe), 'modbus', describe),
    });
    const bus = {
      id: `${node.id}:bus`,
      register: (user: Node) => keeper.register(user),
      deregister: (user: { id: string }, removed: boolean) => keeper.deregister(user, removed),
    };
    const flow = new FlowNode({
      RED,
      node,
      type: 'modbus',
      propertyError: errorOf(parsed),
      config: portNode ? bus : null,
      missingConfigText: 'modbus.status.noPort',
      errorContext: () => {
        const port = validOrUndefined(portNode?.portConfig);
        return { resource: port ? busLabel(port.path) : undefined };
      },
    });
    const t = flow.t;
    flow.onDrained(async (removed) => {
      keeper.deregister(node, removed);
      await keeper.close(removed);
    });

    function access(lease: Lease<ByteStream>): ModbusPortAccess {
      const port = requireSerialPort(portNode, describe);
      return {
        port: lease,
        path: port.path,
        line: {
          replyTimeoutMs: port.timeout,
          retries: port.retries,
          baudRate: port.settings.baudRate,
          interFrameGapMs: rtuInterFrameGapMs(port.settings.baudRate),
        },
      };
    }

    function topicOf(unit: number, spec: ValueSpec, register = spec.register): string {
      return `${name}/${unit}/${spec.table}/${register}`;
    }

    /** The messages of one read: one with every value, or one per value (each with its register). */
    function readMessages(
      base: ModbusMsg,
      unit: number,
      spec: ValueSpec,
      values: ModbusValue[],
      raw: number[] | boolean[],
    ): NodeMessage[] {
      const timestamp = flow.clock.now();
      const fill = (m: Record<string, unknown>, payload: unknown, words: unknown, register: number) => {
        m.payload = payload;
        m.raw = words;
        m.topic = topicOf(unit, spec, register);
        m.address = unit;
        m.timestamp = timestamp;
        return m as NodeMessage;
      };
      if (settingsOf(parsed).output === 'value' || values.length === 1 || spec.type === 'string') {
        return [fill(base, values.length === 1 ? values[0] : values, raw, spec.register)];
      }
      const per = registersPerValue(spec.type);
      return values.map((value, i) => {
        const m = (i === 0 ? base : RED.util.cloneMessage(base)) as Record<string, unknown>;
        return fill(m, value, raw.slice(i * per, (i + 1) * per), spec.register + i * per);
      });
    }

    let inputs = 0;
    async function run(msg: ModbusMsg, send: (msgs: NodeMessage[]) => void): Promise<void> {
      const config = settingsOf(parsed);
      // Validated before the port is touched: a refused message sends nothing.
      const { unit, spec } = resolveForMessage(config, msg);
      if (config.operation === 'read') {
        const result = await keeper.use((lease) => readModbusValues(access(lease), unit, spec));
        const first = result.values[0];
        const text =
          result.values.length === 1 ? valueText(first) : plural(t, 'status.values', result.values.length);
        const skipped = ticker?.skipped ?? 0;
        flow.show(ready(t, skipped > 0 ? t('status.skipped', { text, skipped }) : text));
        send(readMessages(msg, unit, spec, result.values, result.raw));
      } else {
        const result = await keeper.use((lease) => writeModbusValues(access(lease), unit, spec, msg.payload));
        flow.show(ready(t, plural(t, 'status.wrote', result.raw.length)));
        const out = msg as Record<string, unknown>;
        out.raw = result.raw;
        out.topic = topicOf(unit, spec);
        out.address = unit;
        out.timestamp = flow.clock.now();
        send([msg]);
      }
    }

    flow.onInput(async (msg: NodeMessageInFlow, send: Send) => {
      inputs++;
      try {
        await run(msg as ModbusMsg, (msgs) => send([msgs]));
      } finally {
        inputs--;
      }
    });

    const interval = validOrUndefined(parsed)?.interval ?? 0;
    const ticker: Repeater | undefined =
      interval > 0
        ? flow.repeat({
            run: () =>
              run({ _msgid: RED.util.generateId(), topic: 'interval' } as ModbusMsg, (msgs) => {
                for (const m of msgs) node.send(m);
              }),
            busy: () => inputs > 0,
            failureMessage: () => ({ _msgid: RED.util.generateId(), topic: `${name}/interval` }),
          })
        : undefined;
    ticker?.start(interval);
  });
};

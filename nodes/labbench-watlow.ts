/**
 * `labbench-watlow` config node: one EZ-ZONE controller on a labbench-serial-port bus.
 * Its keeper holds the lease on the port — claiming it for this controller's protocol and the
 * port's serial settings (sharing rule 3 in docs/design.md: a second protocol on the port fails with
 * E_PROTOCOL_CONFLICT naming the holder) — for the watlow-poll / watlow-write nodes that use it,
 * and pushes the port's state to them as node status. The controller object is rebuilt on each
 * new lease; what it learns about the device lives in the port's driver cache (cache-clear).
 */
import type { NodeAPI, NodeDef } from 'node-red';
import type { Lease } from '../src/core';
import type { ByteStream } from '../src/transport';
import { WatlowController } from '../src/watlow';
import { describeNode, parseAndWarn, parseWatlowConfig, settingsOf, validOrUndefined } from './shared/config';
import { acquirePortBus, configNode, requireSerialPort } from './shared/config-nodes';
import { registerNode } from './shared/register';
import { attachKeeper, LeaseKeeper } from './shared/lease-keeper';
import { clockOf } from './shared/flow-node';
import { translator } from './shared/i18n';
import type { SerialPortNode, WatlowConfigNode } from './shared/types';

interface WatlowDef extends NodeDef {
  port?: string;
  address?: number | string;
  protocol?: string;
  wordOrder?: string;
  map?: number | string;
}

export = function (RED: NodeAPI): void {
  registerNode(RED, 'labbench-watlow', (node: WatlowConfigNode, def: WatlowDef) => {
    const describe = describeNode({ type: 'labbench-watlow', name: def.name, id: def.id });
    const port = configNode<SerialPortNode>(RED, def.port);
    const parsed = parseAndWarn(node, () => parseWatlowConfig(def as unknown as Record<string, unknown>));
    node.watlowConfig = parsed;
    // The name used in topics and in msg.controllers.
    node.controllerName = def.name || `watlow-${String(def.address ?? '?')}`;
    node.portPath = validOrUndefined(port?.portConfig)?.path;

    const keeper = new LeaseKeeper<ByteStream>({
      describe,
      clock: clockOf(RED),
      texts: translator(RED, 'labbench-watlow'),
      acquire: (): Lease<ByteStream> => {
        const cfg = settingsOf(parsed);
        const portConfig = requireSerialPort(port, describe);
        return acquirePortBus(RED, portConfig, cfg.protocol, describe);
      },
    });
    attachKeeper(node, keeper);

    let controller: WatlowController | undefined;
    node.controller = (): WatlowController => {
      const lease = keeper.get();
      if (!controller || controller.lease !== lease) {
        // The lease was taken, so both configurations are valid.
        const cfg = settingsOf(parsed);
        const portConfig = requireSerialPort(port, describe);
        controller = new WatlowController(
          lease,
          {
            name: node.controllerName,
            protocol: cfg.protocol,
            address: cfg.address,
            wordOrder: cfg.wordOrder,
            map: cfg.map,
          },
          { replyTimeoutMs: portConfig.timeout, retries: portConfig.retries },
        );
      }
      return controller;
    };
  });
};

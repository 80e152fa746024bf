/**
 * `labbench-serial-port` config node: one physical serial port / RS-485 bus. It holds
 * the port's path and settings; the controllers that use it (labbench-watlow) take the leases,
 * because the lease carries the protocol claim (sharing rule 3, docs/design.md). It also registers the editor's
 * port-listing endpoint.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { registerAdminEndpoints } from './shared/admin';
import { parseAndWarn, parseSerialPortConfig } from './shared/config';
import { registerNode } from './shared/register';
import type { SerialPortNode } from './shared/types';

interface SerialPortDef extends NodeDef {
  path?: string;
  baudRate?: number | string;
  dataBits?: number | string;
  parity?: string;
  stopBits?: number | string;
  timeout?: number | string;
  retries?: number | string;
}

export = function (RED: NodeAPI): void {
  registerAdminEndpoints(RED);
  registerNode(RED, 'labbench-serial-port', (node: SerialPortNode, def: SerialPortDef) => {
    node.portConfig = parseAndWarn(node, () =>
      parseSerialPortConfig(def as unknown as Record<string, unknown>),
    );
  });
};

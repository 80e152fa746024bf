/**
 * `labbench-visa` config node: one VISA instrument. Its keeper holds the shared SCPI
 * session lease (one per canonical resource, whatever the spelling) for the keithley-supply and
 * keithley-battery nodes that use it, and pushes the session's state to them as node status. It
 * also registers the editor's resource-listing endpoint.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { defaultRegistry } from '../src/core';
import type { ScpiSession } from '../src/visa';
import type { VisaConfigNode } from './shared/types';
import { registerAdminEndpoints } from './shared/admin';
import { labbenchBackends } from './shared/backends';
import { describeNode, parseAndWarn, parseVisaConfig, settingsOf } from './shared/config';
import { registerNode } from './shared/register';
import { attachKeeper, LeaseKeeper } from './shared/lease-keeper';
import { clockOf } from './shared/flow-node';
import { translator } from './shared/i18n';
import { visaLib } from './shared/libraries';

interface VisaDef extends NodeDef {
  resource?: string;
  timeout?: number | string;
}

export = function (RED: NodeAPI): void {
  registerAdminEndpoints(RED);

  registerNode(RED, 'labbench-visa', (node: VisaConfigNode, def: VisaDef) => {
    const parsed = parseAndWarn(node, () => parseVisaConfig(def as unknown as Record<string, unknown>));
    node.visaConfig = parsed;
    const describe = describeNode({ type: 'labbench-visa', name: def.name, id: def.id });
    const keeper = new LeaseKeeper<ScpiSession>({
      describe,
      clock: clockOf(RED),
      texts: translator(RED, 'labbench-visa'),
      acquire: () => {
        const { resource, timeout } = settingsOf(parsed);
        // Loaded on first open: the VISA layer and its transports load only when a session opens.
        return visaLib().acquireVisaSession(
          defaultRegistry,
          labbenchBackends(RED).openers,
          resource,
          describe,
          {
            timeoutMs: timeout,
          },
        );
      },
    });
    attachKeeper(node, keeper);
  });
};

/**
 * `labbench-cache-clear`: drops cached drivers (scope `drivers`, sessions and ports stay open) or
 * also closes the shared handles (scope `all`; the next use reopens them), for one resource
 * (canonicalised, so any spelling matches) or for all.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { defaultRegistry, requireEnum } from '../src/core';
import { parseCacheClearTarget } from './shared/config';
import type { Send } from './shared/errors';
import { FlowNode } from './shared/flow-node';
import { plural } from './shared/i18n';
import { registerNode } from './shared/register';
import { ready } from './shared/status';

interface CacheClearDef extends NodeDef {
  scope?: string;
  target?: string;
}

export = function (RED: NodeAPI): void {
  registerNode(RED, 'labbench-cache-clear', (node: Node, def: CacheClearDef) => {
    const flow = new FlowNode({ RED, node, type: 'labbench-cache-clear' });
    const t = flow.t;

    flow.onInput(async (msg: NodeMessageInFlow, send: Send) => {
      const m = msg as NodeMessageInFlow & { scope?: unknown; target?: unknown };
      const scope = requireEnum(m.scope ?? (def.scope || 'drivers'), 'Scope (msg.scope)', [
        'drivers',
        'all',
      ] as const);
      // Checked (canonicalised) before anything is cleared: any spelling of the resource matches.
      const target =
        m.target === undefined || m.target === null
          ? parseCacheClearTarget(def.target, 'Target')
          : parseCacheClearTarget(m.target, 'Target (msg.target)');
      const report =
        scope === 'all'
          ? await defaultRegistry.clearAll(target === '' ? undefined : target)
          : defaultRegistry.clear(target === '' ? undefined : target);
      msg.payload = { scope, drivers: report.drivers, closed: report.closed, kept: report.kept };
      const drivers = plural(t, 'status.drivers', report.drivers);
      flow.show(
        ready(
          t,
          scope === 'all'
            ? t('status.clearedAll', { drivers, closed: plural(t, 'status.closed', report.closed.length) })
            : t('status.clearedDrivers', { drivers }),
        ),
      );
      send(msg);
    });
  });
};

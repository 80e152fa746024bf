/**
 * `watlow-write`: writes one parameter of a labbench-watlow controller and reads it
 * back. The value (typed input, default msg.payload) is checked against the catalogue — type,
 * range, enumeration names or codes, read-only — before anything is sent; with `verify` a
 * different stored value fails with E_VERIFY. The write and its read-back are one transaction of
 * the port, so another node writing the same parameter cannot make the read-back disagree.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { NotFoundError } from '../src/core';
import { errorOf, parseProperties, parseWriteTarget, settingsOf } from './shared/config';
import { configNode } from './shared/config-nodes';
import type { Send } from './shared/errors';
import { FlowNode } from './shared/flow-node';
import { registerNode } from './shared/register';
import { ready, valueText } from './shared/status';
import type { WatlowConfigNode } from './shared/types';
import { setValueMessage } from './shared/watlow-targets';
import { sampleOf } from '../src/watlow';

interface WriteDef extends NodeDef {
  controller?: string;
  parameter?: string | number;
  instance?: number | string;
  value?: string;
  valueType?: string;
  verify?: boolean;
}

export = function (RED: NodeAPI): void {
  registerNode(RED, 'watlow-write', (node: Node, def: WriteDef) => {
    const config = configNode<WatlowConfigNode>(RED, def.controller);
    const verify = def.verify !== false;
    const target = parseProperties(() => parseWriteTarget(def.parameter, def.instance));
    const valueType = def.valueType || 'msg';
    const valueExpr =
      def.value === undefined || (def.value === '' && valueType === 'msg') ? 'payload' : def.value;

    function evaluate(msg: NodeMessageInFlow): Promise<unknown> {
      return new Promise((resolve, reject) => {
        RED.util.evaluateNodeProperty(
          valueExpr,
          valueType,
          node,
          msg,
          (err: Error | null, value: unknown) => {
            if (err) reject(err);
            else resolve(value);
          },
        );
      });
    }

    const flow = new FlowNode({
      RED,
      node,
      type: 'watlow-write',
      propertyError: errorOf(target),
      config,
      missingConfigText: 'common.status.noController',
      errorContext: () => ({ resource: config?.portPath }),
    });

    flow.onInput(async (msg: NodeMessageInFlow, send: Send) => {
      if (!config || typeof config.controller !== 'function') {
        throw new NotFoundError(
          'This watlow-write node has no controller: choose a labbench-watlow config node in its properties (it may be missing or disabled).',
        );
      }
      const { parameter, instance } = settingsOf(target);
      const value = await evaluate(msg);
      const reading = await config.keeper.use(() =>
        config.controller().write(parameter, value, { instance, verify }),
      );
      const out = msg as NodeMessageInFlow & Record<string, unknown>;
      setValueMessage(out, sampleOf(reading));
      flow.show(ready(flow.t, `${String(reading.parameter)} = ${valueText(reading.value, reading.units)}`));
      send(out);
    });
  });
};

/**
 * `scpi`: any SCPI instrument on a labbench-visa node's shared session. Each message runs the
 * node's command template (placeholders formatted from msg.payload, never spliced) — or, with
 * allowRaw, one raw msg.command line — as ONE transaction on the instrument's FIFO: the lines,
 * then `*OPC?` if asked, then the error queue. It shares the session with keithley-supply /
 * keithley-battery on the same instrument (any spelling), holds no role, and is therefore never
 * refused by a role monitor; because a free-form command may change the instrument, every
 * transaction marks the session's state unknown and the 2281S driver re-reads it.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { parseVisaResource } from '../src/core';
import type { ScpiReplyValue } from '../src/visa';
import { describeNode, errorOf, parseAndWarn, settingsOf, validOrUndefined } from './shared/config';
import { configNode, onInstrument, requireInstrument } from './shared/config-nodes';
import type { Send } from './shared/errors';
import { FlowNode } from './shared/flow-node';
import { plural } from './shared/i18n';
import {
  commandHeader,
  identityFromIdn,
  parseScpiNodeProperties,
  programForMessage,
  replySummary,
  type ScpiNodeDef,
} from './shared/scpi-properties';
import { registerNode } from './shared/register';
import { ready } from './shared/status';
import type { VisaConfigNode } from './shared/types';
import { visaLib } from './shared/libraries';

interface ScpiDef extends NodeDef, ScpiNodeDef {
  instrument?: string;
}

type Identity = { model: string; serial: string };

/** Model and serial as the resource string names them (a simulated instrument names both). */
function identityFromResource(resource: string | undefined): Identity | undefined {
  if (!resource) return undefined;
  try {
    const r = parseVisaResource(resource);
    return r.kind === 'sim' ? { model: r.model, serial: r.serial } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Catch nodes get a copy of the message but, of the error, only message, code, stack and cause:
 * the instrument's codes travel on the message (`msg.deviceCode`, `msg.scpiErrors`).
 */
function exposeDeviceErrors(msg: Record<string, unknown>, err: unknown): void {
  const e = err as { code?: unknown; deviceCode?: unknown; scpiErrors?: unknown };
  if (e?.code !== 'E_DEVICE_ERROR') return;
  if (e.deviceCode !== undefined) msg.deviceCode = e.deviceCode;
  if (Array.isArray(e.scpiErrors)) msg.scpiErrors = e.scpiErrors;
}

export = function (RED: NodeAPI): void {
  registerNode(RED, 'scpi', (node: Node, def: ScpiDef) => {
    const requester = describeNode({ type: 'scpi', name: def.name, id: def.id });
    const config = configNode<VisaConfigNode>(RED, def.instrument);
    const props = parseAndWarn(node, () => parseScpiNodeProperties(def));
    const flow = new FlowNode({
      RED,
      node,
      type: 'scpi',
      propertyError: errorOf(props),
      ...onInstrument(config),
    });
    const t = flow.t;
    let idnIdentity: Identity | undefined;

    function summary(value: ScpiReplyValue | null): string {
      return replySummary(value, {
        bytes: (n) => plural(t, 'status.bytes', n),
        values: (n) => plural(t, 'status.values', n),
        done: t('status.done'),
      });
    }

    flow.onInput(async (msg: NodeMessageInFlow, send: Send) => {
      const cfg = requireInstrument(config, requester);
      const program = programForMessage(settingsOf(props), msg as { payload?: unknown; command?: unknown });
      let result;
      try {
        result = await cfg.keeper.use((lease) =>
          visaLib().runScpiProgram(lease, program, { label: requester }),
        );
      } catch (err) {
        exposeDeviceErrors(msg as unknown as Record<string, unknown>, err);
        throw err;
      }
      // Remember the instrument an `*IDN?` of this message named (replies are in query order).
      let answer = -1;
      for (const line of program.lines) {
        if (!line.isQuery) continue;
        answer++;
        if (commandHeader(line.command).toUpperCase() === '*IDN?')
          idnIdentity = identityFromIdn(result.replies[answer]) ?? idnIdentity;
      }
      const out = msg as unknown as NodeMessage & Record<string, unknown>;
      out.payload = result.last;
      out.replies = result.replies;
      out.topic = `${def.name || cfg.name || 'scpi'}/${commandHeader(program.lines[0].command)}`;
      const identity = idnIdentity ?? identityFromResource(validOrUndefined(cfg.visaConfig)?.resource);
      if (identity) out.instrument = identity;
      flow.show(ready(t, summary(result.last)));
      send(out);
    });
  });
};

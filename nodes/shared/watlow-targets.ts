/**
 * Finding the labbench-watlow config nodes a Watlow flow node works on, and putting a value on a
 * message. Parameter lists are parsed by the library (parseParameterList), the same as for its manager.
 */
import type { NodeAPI } from 'node-red';
import { InvalidInputError, NotFoundError } from '../../src/core';
import { sampleTopic, type PollSample } from '../../src/watlow';
import type { WatlowConfigNode } from './types';

/** Every deployed, enabled labbench-watlow config node. */
export function deployedControllers(RED: NodeAPI): WatlowConfigNode[] {
  const out: WatlowConfigNode[] = [];
  const ids: string[] = [];
  RED.nodes.eachNode((n) => {
    if (n.type === 'labbench-watlow') ids.push(n.id);
  });
  for (const id of ids) {
    const live = RED.nodes.getNode(id) as WatlowConfigNode | null;
    if (live && typeof live.controller === 'function') out.push(live);
  }
  return out;
}

/**
 * Narrows `list` to the names in msg.controllers; unknown names fail with E_NOT_FOUND. A plain
 * string is one name (what a dashboard text input sends). An empty list is refused: polling
 * nothing would end the message without an output and without an error.
 */
export function filterByNames(list: WatlowConfigNode[], names: unknown): WatlowConfigNode[] {
  if (names === undefined || names === null) return list;
  const known = list.map((c) => c.controllerName);
  const knownText = known.map((n) => `"${n}"`).join(', ') || 'none';
  const wanted = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(wanted) || wanted.some((n) => typeof n !== 'string')) {
    throw new InvalidInputError(
      `msg.controllers must be an array of controller names (or one name as text); this node polls ${knownText}.`,
    );
  }
  if (wanted.length === 0) {
    throw new InvalidInputError(
      `msg.controllers is empty, so there is nothing to poll: name at least one of ${knownText}, or leave msg.controllers out to poll them all.`,
    );
  }
  const unknown = (wanted as string[]).filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new NotFoundError(
      `No Watlow controller named ${unknown.map((n) => `"${n}"`).join(', ')} among those this node polls (${knownText}).`,
    );
  }
  return list.filter((c) => (wanted as string[]).includes(c.controllerName));
}

/**
 * Puts one value on a message in the watlow-poll perValue shape (topic, payload, controller,
 * parameter, instance, units, raw, timestamp, protocol; `error` when the read failed), which
 * watlow-write's output shares.
 */
export function setValueMessage(msg: Record<string, unknown>, value: PollSample): void {
  msg.topic = sampleTopic(value);
  msg.payload = value.error ? null : value.value;
  msg.controller = value.controller;
  msg.parameter = value.parameter;
  msg.instance = value.instance;
  msg.units = value.units;
  msg.raw = value.raw;
  msg.timestamp = value.timestamp;
  msg.protocol = value.protocol;
  if (value.error) msg.error = value.error;
  else delete msg.error;
}

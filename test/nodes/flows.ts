/**
 * Flow builders and Catch expectations shared by the node suite's cases: each builder returns one
 * flow node with the defaults most tests use (on tab `tab1`, wired to the helper `out`), so a test
 * spells out only what it is about.
 */
import { strict as assert } from 'node:assert';
import {
  collect,
  PACKAGE_NODES,
  placed,
  settle,
  tabWithCatch,
  until,
  type FlowNode,
  type Harness,
} from './harness';

/** What a case file gets from the suite: the harness and fresh simulated resource names. */
export interface CaseContext {
  h(): Harness;
  /** A fresh simulated resource name per call, so tests never share a bus or instrument. */
  unique(prefix: string): string;
}

export type Msg = Record<string, unknown>;

/** The error a Catch node reports (msg.error). */
export interface CaughtError {
  code: string;
  message: string;
  source: { id: string };
}

// ---- flows -------------------------------------------------------------------------------------

/** The tab with its Catch node (wired to the helper `caught`) plus `nodes`, every flow node placed. */
export function catchFlow(...nodes: FlowNode[]): FlowNode[] {
  return placed([...tabWithCatch(), ...nodes]);
}

/** Deploys the package's nodes with `flow`. */
export async function deploy(h: Harness, flow: FlowNode[]): Promise<void> {
  await h.helper.load(PACKAGE_NODES, flow);
}

/** A helper node that collects what is wired to it. */
export function sink(id = 'out'): FlowNode {
  return { id, type: 'helper', z: 'tab1' };
}

/** A flow node on `tab1` wired to `out`: its `defaults`, then whatever the test changes (`more`). */
export function flowNode(id: string, type: string, defaults: Msg, more: Partial<FlowNode>): FlowNode {
  return { id, type, z: 'tab1', wires: [['out']], ...defaults, ...more };
}

/** A labbench-cache-clear node `cc` (scope "drivers", no target) reporting to `out`. */
export function cacheClear(more: Partial<FlowNode> = {}): FlowNode {
  return flowNode('cc', 'labbench-cache-clear', { scope: 'drivers', target: '' }, more);
}

// ---- Keithley 2281S ----------------------------------------------------------------------------

/** The VISA resource of the simulated 2281S with that serial number. */
export function sim2281S(serial: string): string {
  return `SIM::2281S::${serial}::INSTR`;
}

/** A labbench-visa config node. */
export function visaConfig(resource: string, timeout: number, more: Partial<FlowNode> = {}): FlowNode {
  return { id: 'visa', type: 'labbench-visa', resource, timeout, ...more };
}

/** The labbench-visa `visa` on the simulated 2281S with that serial number (2 s timeout). */
export function sim2281SConfig(serial: string, more: Partial<FlowNode> = {}): FlowNode {
  return visaConfig(sim2281S(serial), 2000, more);
}

/** What the Keithley nodes default to here: the instrument `visa`, no monitor, state output. */
const KEITHLEY_DEFAULTS = { instrument: 'visa', monitor: 0, output: 'state' };

/** A keithley-supply `ks` on the instrument `visa`: no monitor, state output to `out`. */
export function keithleySupply(more: Partial<FlowNode> = {}): FlowNode {
  return flowNode('ks', 'keithley-supply', KEITHLEY_DEFAULTS, more);
}

/** A keithley-battery `kb` on the instrument `visa`: no monitor, state output to `out`. */
export function keithleyBattery(more: Partial<FlowNode> = {}): FlowNode {
  return flowNode('kb', 'keithley-battery', KEITHLEY_DEFAULTS, more);
}

// ---- Watlow ------------------------------------------------------------------------------------

/** A labbench-serial-port config node `port` on the simulated bus with those controller addresses. */
export function simSerialPort(bus: string, addresses: string, more: Partial<FlowNode> = {}): FlowNode {
  return { id: 'port', type: 'labbench-serial-port', path: `sim:${bus}?addresses=${addresses}`, ...more };
}

/** A labbench-watlow config node on the port `port`, Std Bus unless told otherwise. */
export function watlowController(
  id: string,
  name: string,
  address: number,
  more: Partial<FlowNode> = {},
): FlowNode {
  return { id, type: 'labbench-watlow', name, port: 'port', address, protocol: 'stdbus', ...more };
}

/** A watlow-poll `poll` of `w1`'s process value on demand (no interval), one message per value. */
export function watlowPoll(more: Partial<FlowNode> = {}): FlowNode {
  const processValue = [{ parameter: 'processValue', instance: 1 }];
  const defaults = {
    controller: 'w1',
    output: 'perValue',
    errors: 'catch',
    interval: 0,
    parameters: processValue,
  };
  return flowNode('poll', 'watlow-poll', defaults, more);
}

/** A verified watlow-write `wr` of msg.payload to controller `w1`'s set point (instance 1). */
export function watlowWrite(more: Partial<FlowNode> = {}): FlowNode {
  const fromPayload = { value: 'payload', valueType: 'msg' };
  const defaults = { controller: 'w1', parameter: 'setPoint', instance: 1, ...fromPayload, verify: true };
  return flowNode('wr', 'watlow-write', defaults, more);
}

// ---- messages ----------------------------------------------------------------------------------

/** Hands `msg` to the node `id` as if it had arrived on its input. */
export function send(h: Harness, id: string, msg: Msg): void {
  h.helper.getNode(id).receive(msg);
}

/** Asserts that a Catch message reports `code`, raised by the node `id`; returns its error. */
export function assertCaught(caught: Msg, code: string, id: string): CaughtError {
  const error = caught.error as CaughtError;
  assert.equal(error.code, code, error.message);
  assert.equal(error.source.id, id);
  // Error texts are sentences: no doubled period where a message was built from others.
  assert.doesNotMatch(error.message, /\.\.(?!\/)/, `error text: ${error.message}`);
  return error;
}

/**
 * Sends `msg` to the node `id` and expects exactly one Catch message in answer (none more once
 * pending callbacks ran), reporting `code` and raised by that node; returns its error.
 */
export async function expectOneCatch(h: Harness, id: string, msg: Msg, code: string): Promise<CaughtError> {
  const caught = collect(h, 'caught');
  send(h, id, msg);
  await until(() => caught.length >= 1, `Catch for ${code}`);
  await settle();
  assert.equal(caught.length, 1, `exactly one Catch message for ${code}`);
  return assertCaught(caught[0], code, id);
}

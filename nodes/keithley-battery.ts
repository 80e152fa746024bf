/**
 * `keithley-battery`: the 2281S as a battery simulator — model, SOC, Voc, capacity,
 * limits, method, output, state reads and monitoring — on the labbench-visa node's shared session.
 * Settings refused while the simulation runs are applied with the output off and restored
 * (`msg.restoredOutput = true`).
 */
import type { Node, NodeAPI } from 'node-red';
import { setupKeithleyNode, type KeithleyDef } from './shared/keithley-node';
import { registerNode } from './shared/register';

export = function (RED: NodeAPI): void {
  registerNode(RED, 'keithley-battery', (node: Node, def: KeithleyDef) =>
    setupKeithleyNode(RED, node, def, 'battery'),
  );
};

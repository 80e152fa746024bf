/**
 * `keithley-supply`: the 2281S as a power supply — voltage, current limit, OVP/OCP,
 * output, trip clearing, state reads and monitoring — on the labbench-visa node's shared session.
 */
import type { Node, NodeAPI } from 'node-red';
import { setupKeithleyNode, type KeithleyDef } from './shared/keithley-node';
import { registerNode } from './shared/register';

export = function (RED: NodeAPI): void {
  registerNode(RED, 'keithley-supply', (node: Node, def: KeithleyDef) =>
    setupKeithleyNode(RED, node, def, 'supply'),
  );
};

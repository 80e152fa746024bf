/**
 * `keithley-supply`: the 2281S as a power supply — voltage, current limit, OVP/OCP,
 * output, trip clearing, state reads and monitoring — on the labbench-visa node's shared session.
 */
import type { Node, NodeAPI } from 'node-red';
import { setupKeithleyNode, type KeithleyDef } from './shared/keithley-node';

export = function (RED: NodeAPI): void {
  function KeithleySupplyNode(this: Node, def: KeithleyDef): void {
    RED.nodes.createNode(this, def);
    setupKeithleyNode(RED, this, def, 'supply');
  }
  RED.nodes.registerType('keithley-supply', KeithleySupplyNode);
};

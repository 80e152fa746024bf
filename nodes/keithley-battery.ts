/**
 * `keithley-battery`: the 2281S as a battery simulator — model, SOC, Voc, capacity,
 * limits, method, output, state reads and monitoring — on the labbench-visa node's shared session.
 * Settings refused while the simulation runs are applied with the output off and restored
 * (`msg.restoredOutput = true`).
 */
import type { Node, NodeAPI } from 'node-red';
import { setupKeithleyNode, type KeithleyDef } from './shared/keithley-node';

export = function (RED: NodeAPI): void {
  function KeithleyBatteryNode(this: Node, def: KeithleyDef): void {
    RED.nodes.createNode(this, def);
    setupKeithleyNode(RED, this, def, 'battery');
  }
  RED.nodes.registerType('keithley-battery', KeithleyBatteryNode);
};

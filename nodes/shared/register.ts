/**
 * Registering a node type: Node-RED constructs the node with `new`, `createNode` makes it a node,
 * and the type's `setup` does the rest. Written once so every node is built the same way.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

export function registerNode<N extends Node, D extends NodeDef>(
  RED: NodeAPI,
  type: string,
  setup: (node: N, def: D) => void,
): void {
  function LabbenchNode(this: N, def: D): void {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }
  RED.nodes.registerType(type, LabbenchNode);
}

/**
 * Every node module of the package, as Node-RED's loader calls them (the same set as
 * package.json's `node-red.nodes`). For embedding the nodes in a runtime of one's own, and for
 * the test helper and the benchmark, which load them all.
 */
import cacheClearNode from './labbench-cache-clear';
import scpiNode from './scpi';
import serialPortNode from './labbench-serial-port';
import visaNode from './labbench-visa';
import keithleySupplyNode from './keithley-supply';
import keithleyBatteryNode from './keithley-battery';
import watlowNode from './labbench-watlow';
import watlowPollNode from './watlow-poll';
import watlowWriteNode from './watlow-write';
import modbusNode from './modbus';

export const PACKAGE_NODES: readonly unknown[] = [
  serialPortNode,
  watlowNode,
  visaNode,
  watlowPollNode,
  watlowWriteNode,
  modbusNode,
  keithleySupplyNode,
  keithleyBatteryNode,
  scpiNode,
  cacheClearNode,
];

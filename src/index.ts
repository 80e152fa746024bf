/**
 * node-red-contrib-labbench as a library: `require('node-red-contrib-labbench/lib')`.
 * Everything here works without Node-RED, and importing it installs nothing: how addresses open is
 * the opener table you build (`transport.createOpeners()` for the real backends) and pass to the
 * manager or to `visa.acquireVisaSession`. The simulators are a separate entry point,
 * `node-red-contrib-labbench/sim` (`createSimulatedOpeners()`).
 */
export * as core from './core';
export * as transport from './transport';
export * as watlow from './watlow';
export * as visa from './visa';
export * as keithley from './keithley';
export * as modbus from './modbus';

/**
 * node-red-contrib-labbench as a library: `require('node-red-contrib-labbench/lib')`.
 * Everything here works without Node-RED.
 */
export * as core from './core';
export * as transport from './transport';
export * as watlow from './watlow';
export * as visa from './visa';
export * as keithley from './keithley';
export * as sim from './sim';
export * as modbus from './modbus';

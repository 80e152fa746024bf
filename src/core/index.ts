/** The shared-resource core: errors, identity, registry, roles, validation. No Node-RED here. */
export * from './errors';
export * from './identity';
export * from './clock';
export * from './validate';
export * from './roles';
export * from './driver-cache';
export * from './registry';

import { ResourceRegistry } from './registry';

/**
 * The process-wide registry. Every config node and library user that shares physical resources
 * goes through this one instance, so one port or instrument has one handle in the process.
 */
export const defaultRegistry = new ResourceRegistry();

/**
 * Parsing of node properties into typed settings. The rules live once in src/config, which the
 * editor's dialogs run too (resources/labbench-rules.js); this is the adapter's view of them, for
 * flows deployed, imported or edited by hand.
 */
import type { Node } from 'node-red';
import { toLabbenchError, type LabbenchError } from '../../src/core';

export * from '../../src/config';

/** A node's parsed properties: the settings, or the error that makes every use of the node fail. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: LabbenchError };

/** Runs a property parser; what it throws becomes the `error` side. */
export function parseProperties<T>(parse: () => T): Parsed<T> {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    return { ok: false, error: toLabbenchError(err) };
  }
}

/**
 * As `parseProperties`, and an invalid configuration is also logged at deploy (every message the
 * node, or the flow nodes using this config node, handle fails with the same error).
 */
export function parseAndWarn<T>(node: Node, parse: () => T): Parsed<T> {
  const parsed = parseProperties(parse);
  if (!parsed.ok) node.warn(`invalid configuration: ${parsed.error.message}`);
  return parsed;
}

/** The settings, or their error thrown: for code that runs only with valid properties. */
export function settingsOf<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** The settings, or undefined when the properties are invalid. */
export function validOrUndefined<T>(parsed: Parsed<T> | undefined): T | undefined {
  return parsed?.ok ? parsed.value : undefined;
}

/** The error of invalid properties, or undefined when they are valid. */
export function errorOf(parsed: Parsed<unknown>): LabbenchError | undefined {
  return parsed.ok ? undefined : parsed.error;
}

/** 'labbench-watlow "Oven 1"' — how nodes are named in error messages. */
export function describeNode(node: { type: string; name?: string; id: string }): string {
  return node.name ? `${node.type} "${node.name}"` : `${node.type} ${node.id}`;
}

/**
 * Node status conventions (SPEC §7), in one place so every node says the same thing:
 * grey ring `idle`, yellow ring `opening…`, green dot `ready` / last value, blue dot `monitoring`,
 * red ring with a short reason.
 */
import type { NodeStatus } from 'node-red';

export const IDLE: NodeStatus = { fill: 'grey', shape: 'ring', text: 'idle' };
export const OPENING: NodeStatus = { fill: 'yellow', shape: 'ring', text: 'opening…' };

export function ready(text = 'ready'): NodeStatus {
  return { fill: 'green', shape: 'dot', text: clip(text) };
}

export function monitoring(text = 'monitoring'): NodeStatus {
  return { fill: 'blue', shape: 'dot', text: clip(text) };
}

export function problem(reason: string): NodeStatus {
  return { fill: 'red', shape: 'ring', text: clip(reason) };
}

/** The short reason shown on a red ring for each error code. */
const REASONS: Record<string, string> = {
  E_INVALID_INPUT: 'invalid input',
  E_OUT_OF_RANGE: 'out of range',
  E_READ_ONLY: 'read-only',
  E_VERIFY: 'verify failed',
  E_TIMEOUT: 'timeout',
  E_BUSY: 'busy',
  E_NOT_FOUND: 'not found',
  E_PERMISSION: 'permission denied',
  E_DISCONNECTED: 'disconnected',
  E_QUEUE_FULL: 'queue full',
  E_PROTOCOL_CONFLICT: 'conflict',
  E_SETTINGS_CONFLICT: 'conflict',
  E_ROLE_CONFLICT: 'conflict',
  E_DEVICE_ERROR: 'device error',
  E_PROTOCOL: 'protocol error',
  E_UNSUPPORTED: 'unsupported',
  E_POLL_FAILED: 'poll failed',
  E_CLOSED: 'closed',
};

export function reasonFor(code: string | undefined): string {
  return (code && Object.prototype.hasOwnProperty.call(REASONS, code) && REASONS[code]) || 'error';
}

/** Status texts stay short (the editor truncates long ones). */
export function clip(text: string, max = 32): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A number for a status text: 3 significant decimals at most, no trailing noise. */
export function fmt(value: unknown, digits = 2): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  return value.toFixed(digits);
}

/**
 * Node status conventions, in one place so every node says the same thing: grey ring `idle`,
 * yellow ring `opening…`, green dot `ready` / last value, blue dot `monitoring`, red ring with a
 * short reason. The words come from the message catalogues (see i18n.ts).
 */
import type { NodeStatus } from 'node-red';
import { ERROR_CODES } from '../../src/core';
import type { ErrorCode } from '../../src/core';
import type { Translate } from './i18n';

export function idle(t: Translate): NodeStatus {
  return { fill: 'grey', shape: 'ring', text: clip(t('common.status.idle')) };
}

export function opening(t: Translate): NodeStatus {
  return { fill: 'yellow', shape: 'ring', text: clip(t('common.status.opening')) };
}

export function ready(t: Translate, text?: string): NodeStatus {
  return { fill: 'green', shape: 'dot', text: clip(text ?? t('common.status.ready')) };
}

export function monitoring(t: Translate, text?: string): NodeStatus {
  return { fill: 'blue', shape: 'dot', text: clip(text ?? t('common.status.monitoring')) };
}

/** Grey ring with a text: nothing wrong, but nothing current to show either. */
export function inactive(text: string): NodeStatus {
  return { fill: 'grey', shape: 'ring', text: clip(text) };
}

export function problem(reason: string): NodeStatus {
  return { fill: 'red', shape: 'ring', text: clip(reason) };
}

/** Every error code has a short reason of its own in the catalogue (`common.reason.<code>`). */
const CODES_WITH_REASON: ReadonlySet<ErrorCode> = new Set<ErrorCode>(ERROR_CODES);

/** The short reason shown on a red ring for an error code. */
export function reasonFor(t: Translate, code: ErrorCode | undefined): string {
  return t(code && CODES_WITH_REASON.has(code) ? `common.reason.${code}` : 'common.reason.other');
}

/** Status texts stay short (the editor truncates long ones). */
export function clip(text: string, max = 32): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Decimals per unit, so one node never shows `73 °F` beside `72.55 °F`: a unit is always shown
 * with the same number of decimals, whatever the value.
 */
const DECIMALS: Record<string, number> = {
  V: 2,
  A: 3,
  W: 2,
  Ah: 3,
  '%': 1,
  '°F': 1,
  '°C': 1,
  s: 1,
};
const DEFAULT_DECIMALS = 2;

/** A number with its unit's fixed decimals; non-numbers as they are. */
export function fmt(value: unknown, units = ''): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  const decimals = DECIMALS[units];
  if (decimals !== undefined) return value.toFixed(decimals);
  // Unitless numbers are counts and codes: whole numbers as they are.
  return Number.isInteger(value) ? String(value) : value.toFixed(DEFAULT_DECIMALS);
}

/** `72.5 °F`, `auto`: a value with its units, formatted by `fmt`. */
export function valueText(value: unknown, units?: string): string {
  return units ? `${fmt(value, units)} ${units}` : fmt(value, '');
}

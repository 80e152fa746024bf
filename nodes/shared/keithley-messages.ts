/**
 * The keithley-supply / keithley-battery message conventions: what msg.topic and msg.payload mean.
 * Node-RED's business, so it lives in the adapter; the settings themselves are validated by the
 * library (validateSupplySettings / validateBatterySettings) before anything reaches the wire.
 */
import {
  BATTERY_KEYS,
  SUPPLY_KEYS,
  validateBatterySettings,
  validateSupplySettings,
  type BatterySettings,
  type SupplySettings,
} from '../../src/keithley';
import { InvalidInputError, requireBoolean } from '../../src/core';

function present(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

export interface KeithleyRequest<S> {
  settings: S;
  monitor?: boolean;
}

function isEmptyPayload(payload: unknown): boolean {
  if (payload === undefined || payload === null || payload === '') return true;
  return (
    typeof payload === 'object' &&
    !Array.isArray(payload) &&
    !Buffer.isBuffer(payload) &&
    Object.keys(payload).length === 0
  );
}

/**
 * Turns (msg.topic, msg.payload) into a request: an object payload carries keys; otherwise the
 * topic names one key and the payload is its scalar value (dashboard sliders and switches).
 * Topic `state` or an empty payload only reads; `monitor` starts/stops monitoring.
 */
function requestFromMessage<S>(
  topic: unknown,
  payload: unknown,
  keys: readonly string[],
  validate: (input: unknown) => S,
): KeithleyRequest<S> {
  const topicText = typeof topic === 'string' ? topic.trim() : '';
  const objectPayload =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload) && !Buffer.isBuffer(payload);
  if (objectPayload) {
    const obj = { ...(payload as Record<string, unknown>) };
    let monitor: boolean | undefined;
    if (present(obj, 'monitor')) {
      monitor = requireBoolean(obj.monitor, 'msg.payload.monitor');
      delete obj.monitor;
    }
    const request: KeithleyRequest<S> = { settings: validate(obj) };
    if (monitor !== undefined) request.monitor = monitor;
    return request;
  }
  if (topicText.toLowerCase() === 'state' || (topicText === '' && isEmptyPayload(payload))) {
    return { settings: validate({}) };
  }
  if (topicText.toLowerCase() === 'monitor') {
    return { settings: validate({}), monitor: requireBoolean(payload, 'msg.payload (monitor)') };
  }
  const key = keys.find((k) => k.toLowerCase() === topicText.toLowerCase());
  if (key === undefined) {
    throw new InvalidInputError(
      `msg.payload is a single value, so msg.topic must name the setting (${keys.join(', ')}, state or monitor); got topic ${JSON.stringify(topicText.slice(0, 40))}.`,
    );
  }
  return { settings: validate({ [key]: payload }) };
}

export function supplyRequestFromMessage(topic: unknown, payload: unknown): KeithleyRequest<SupplySettings> {
  return requestFromMessage(topic, payload, SUPPLY_KEYS, (input) =>
    validateSupplySettings(input, 'msg.payload'),
  );
}

export function batteryRequestFromMessage(
  topic: unknown,
  payload: unknown,
): KeithleyRequest<BatterySettings> {
  return requestFromMessage(topic, payload, BATTERY_KEYS, (input) =>
    validateBatterySettings(input, 'msg.payload'),
  );
}

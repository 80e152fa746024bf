/**
 * The Watlow attribute service carried inside a Std Bus frame:
 *
 *   read request   01 03 01 CC MM II              read reply   02 03 01 CC MM II <value>
 *   write request  01 04 CC MM II <value>         write reply  02 04 CC MM II <value>
 *   error reply    02 EE   (EE has bit 7 set; the selector is not echoed)
 *
 * The `01` after the read service is the "mode" byte (single attribute); writes have none.
 */
import { OutOfRangeError, ProtocolError } from '../../core/errors';
import type { Selector, TypedValue } from '../types';
import { hex } from '../types';
import { decodeTypedValue, encodeTypedValue } from './values';

export const DIRECTION_REQUEST = 0x01;
export const DIRECTION_RESPONSE = 0x02;
export const SERVICE_READ = 0x03;
export const SERVICE_WRITE = 0x04;
/** Mode byte of a single-attribute read. Other modes exist (bulk read) but are undocumented; never sent. */
export const READ_MODE_SINGLE = 0x01;

export type StdBusRequest =
  | { readonly service: 'read'; readonly selector: Selector }
  | { readonly service: 'write'; readonly selector: Selector; readonly value: TypedValue };

export type StdBusResponse =
  | { readonly kind: 'read'; readonly selector: Selector; readonly value: TypedValue }
  | { readonly kind: 'write'; readonly selector: Selector; readonly value: TypedValue }
  /** `02 EE` with bit 7 of EE set: the controller refused (0x81 no object, 0x83 no attribute, 0x84 no instance, …). */
  | { readonly kind: 'error'; readonly code: number }
  /** A CRC-valid reply whose service byte means nothing known (pywatlow saw `02 05 …`). Reported, never thrown away silently. */
  | { readonly kind: 'unrecognised'; readonly service: number; readonly bytes: Uint8Array };

/** Splits a Watlow parameter ID into class and member bytes. Throws OutOfRangeError when it cannot travel. */
export function selectorOf(parameterId: number, instance: number): Selector {
  if (!Number.isInteger(parameterId) || parameterId < 1000 || parameterId > 255_999) {
    throw new OutOfRangeError(
      `Parameter ID ${parameterId} cannot be sent on Std Bus (class and member must each fit in one byte)`,
    );
  }
  const member = parameterId % 1000;
  if (member > 255)
    throw new OutOfRangeError(`Parameter ID ${parameterId}: member ${member} does not fit in one byte`);
  if (!Number.isInteger(instance) || instance < 1 || instance > 255) {
    throw new OutOfRangeError(`Instance ${instance} must be an integer in 1..255`);
  }
  return { cls: Math.floor(parameterId / 1000), member, instance };
}

export function encodeRequest(request: StdBusRequest): Buffer {
  const { cls, member, instance } = request.selector;
  if (request.service === 'read') {
    return Buffer.from([DIRECTION_REQUEST, SERVICE_READ, READ_MODE_SINGLE, cls, member, instance]);
  }
  return Buffer.concat([
    Buffer.from([DIRECTION_REQUEST, SERVICE_WRITE, cls, member, instance]),
    encodeTypedValue(request.value),
  ]);
}

export function encodeResponse(response: StdBusResponse): Buffer {
  switch (response.kind) {
    case 'read': {
      const { cls, member, instance } = response.selector;
      return Buffer.concat([
        Buffer.from([DIRECTION_RESPONSE, SERVICE_READ, READ_MODE_SINGLE, cls, member, instance]),
        encodeTypedValue(response.value),
      ]);
    }
    case 'write': {
      const { cls, member, instance } = response.selector;
      return Buffer.concat([
        Buffer.from([DIRECTION_RESPONSE, SERVICE_WRITE, cls, member, instance]),
        encodeTypedValue(response.value),
      ]);
    }
    case 'error':
      return Buffer.from([DIRECTION_RESPONSE, response.code & 0xff]);
    case 'unrecognised':
      return Buffer.from(response.bytes);
  }
}

function readSelector(payload: Uint8Array, at: number, what: string): Selector {
  if (payload.length < at + 3) throw new ProtocolError(`Std Bus ${what} is too short (${hex(payload)}).`);
  return { cls: payload[at]!, member: payload[at + 1]!, instance: payload[at + 2]! };
}

function requireConsumed(payload: Uint8Array, used: number, what: string): void {
  if (used !== payload.length) {
    throw new ProtocolError(
      `Std Bus ${what} has ${payload.length - used} unexpected trailing bytes (${hex(payload)}).`,
    );
  }
}

/** Decodes a request payload (what the simulator receives). Throws ProtocolError on anything malformed. */
export function decodeRequest(payload: Uint8Array): StdBusRequest {
  if (payload[0] !== DIRECTION_REQUEST)
    throw new ProtocolError(`Not a Std Bus request payload (${hex(payload)}).`);
  if (payload[1] === SERVICE_READ) {
    if (payload.length !== 6)
      throw new ProtocolError(`Std Bus read request must be 6 bytes (${hex(payload)}).`);
    return { service: 'read', selector: readSelector(payload, 3, 'read request') };
  }
  if (payload[1] === SERVICE_WRITE) {
    const selector = readSelector(payload, 2, 'write request');
    const { value, length } = decodeTypedValue(payload, 5);
    requireConsumed(payload, 5 + length, 'write request');
    return { service: 'write', selector, value };
  }
  throw new ProtocolError(
    `Std Bus request has unknown service 0x${(payload[1] ?? 0).toString(16)} (${hex(payload)}).`,
  );
}

/** Decodes a reply payload. Error and unknown-service replies are values, not exceptions. */
export function decodeResponse(payload: Uint8Array): StdBusResponse {
  if (payload[0] !== DIRECTION_RESPONSE || payload.length < 2) {
    throw new ProtocolError(`Not a Std Bus reply payload (${hex(payload)}).`);
  }
  const service = payload[1]!;
  if (service & 0x80) {
    if (payload.length !== 2)
      throw new ProtocolError(`Std Bus error reply must be 2 bytes (${hex(payload)}).`);
    return { kind: 'error', code: service };
  }
  if (service === SERVICE_READ) {
    const selector = readSelector(payload, 3, 'read reply');
    const { value, length } = decodeTypedValue(payload, 6);
    requireConsumed(payload, 6 + length, 'read reply');
    return { kind: 'read', selector, value };
  }
  if (service === SERVICE_WRITE) {
    const selector = readSelector(payload, 2, 'write reply');
    const { value, length } = decodeTypedValue(payload, 5);
    requireConsumed(payload, 5 + length, 'write reply');
    return { kind: 'write', selector, value };
  }
  return { kind: 'unrecognised', service, bytes: Uint8Array.from(payload) };
}

/** What a Std Bus error code means, for messages (0x80/0x85/0x86 meanings are unconfirmed). */
export function describeStdBusError(code: number): string {
  switch (code) {
    case 0x80:
      return 'write refused (probably read-only or not writable now)';
    case 0x81:
      return 'no such object (parameter class not present on this controller)';
    case 0x83:
      return 'no such attribute (parameter not present on this controller)';
    case 0x84:
      return 'no such instance (that loop/input/alarm number is not fitted)';
    case 0x85:
    case 0x86:
      return 'refused (meaning undocumented; possibly value out of range or wrong type)';
    default:
      return 'device error';
  }
}

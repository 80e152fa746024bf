/** Answers one Std Bus request payload for a simulated controller (docs/watlow.md). */
import type { StdBusResponse } from '../../watlow/stdbus/payload';
import { decodeRequest, encodeResponse } from '../../watlow/stdbus/payload';
import { parameterIdOf } from '../../watlow/types';
import type { SimulatedController } from './controller';

/** The reply payload, or undefined for a malformed request (a real unit stays silent). */
export function answerStdBus(controller: SimulatedController, payload: Uint8Array): Buffer | undefined {
  let request;
  try {
    request = decodeRequest(payload);
  } catch {
    return undefined;
  }
  const id = parameterIdOf(request.selector);
  const result =
    request.service === 'read'
      ? controller.read(id, request.selector.instance)
      : controller.write(id, request.selector.instance, request.value.value);
  let response: StdBusResponse;
  if (!result.ok) response = { kind: 'error', code: result.stdBusError };
  else
    response = {
      kind: request.service,
      selector: request.selector,
      value: { type: result.type, value: result.value },
    };
  return encodeResponse(response);
}

/**
 * Node-RED advice added to library errors. The library says what happened and what to check on
 * the device; how to fix it in a flow (stop a monitor with msg.payload, redeploy, pick a config
 * node) is the adapter's knowledge, so it is appended here, once per error.
 */
import type { ErrorCode, LabbenchError } from '../../src/core';

const ADVICE: Partial<Record<ErrorCode, string>> = {
  E_ROLE_CONFLICT:
    'In Node-RED: send msg.payload = {"monitor": false} to the monitoring node, or disable it and deploy.',
};

/** `err` with the Node-RED advice for its code appended to its message (idempotent). */
export function withNodeRedAdvice(err: LabbenchError): LabbenchError {
  const advice = ADVICE[err.code];
  if (advice && !err.message.endsWith(advice)) err.message = `${err.message} ${advice}`;
  return err;
}

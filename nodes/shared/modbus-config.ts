/**
 * The `modbus` node's per-message step. Its properties are parsed by the configuration rules in
 * src/config (parseModbusNodeConfig), which the editor's dialog runs as well.
 */
import { InvalidInputError } from '../../src/core';
import type { ValueSpec } from '../../src/modbus';
import { validateUnitAddress, validateValueSpec } from '../../src/modbus';
import type { ModbusNodeConfig } from '../../src/config';

export { parseModbusNodeConfig, type ModbusNodeConfig } from '../../src/config';

/** The unit and value spec of one message: the node's properties, or the message where they are empty. */
export function resolveForMessage(
  config: ModbusNodeConfig,
  msg: { address?: unknown; register?: unknown; count?: unknown },
): { unit: number; spec: ValueSpec } {
  const unit =
    config.address ??
    validateUnitAddress(msg.address === undefined ? missing('address') : msg.address, config.operation);
  const spec = validateValueSpec({
    ...config.spec,
    register: config.spec.register ?? (msg.register === undefined ? missing('register') : msg.register),
    count: config.spec.count ?? msg.count,
  });
  return { unit, spec };
}

function missing(what: 'address' | 'register'): never {
  throw new InvalidInputError(
    `This modbus node has no ${what}: set it in the node, or send msg.${what} with the message.`,
  );
}

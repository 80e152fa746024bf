/**
 * The settings part of a port's protocol claim. Every user of one port must agree on them (the
 * registry refuses a second user with other settings, since one OS handle has one baud rate).
 * A `tcp://` device server or a `modbus-tcp://` gateway has no settings we could set: its baud
 * rate and framing are configured in the device server itself, so there the claim compares the
 * protocol only and whatever baud a config node shows is not a conflict.
 */
import { isNetworkBusPath } from '../core/identity';
import type { ClaimSettings } from '../core/registry';
import type { SerialSettings } from './types';

export function portClaimSettings(portPath: string, serial: SerialSettings): ClaimSettings | undefined {
  if (isNetworkBusPath(portPath)) return undefined;
  return {
    baudRate: serial.baudRate,
    dataBits: serial.dataBits,
    parity: serial.parity,
    stopBits: serial.stopBits,
  };
}

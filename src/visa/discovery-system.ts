/**
 * The real network backends for discovery: a broadcast-enabled UDP socket with this machine's
 * broadcast addresses for the VXI-11 portmapper call, and `multicast-dns` on the standard mDNS
 * group. Nothing here runs on import; the editor endpoint builds these when a user asks.
 */
import * as dgram from 'node:dgram';
import * as os from 'node:os';
import makeMulticastDns from 'multicast-dns';
import { PORTMAPPER } from '../transport/vxi11-messages';
import type { MdnsLike } from './discovery-mdns';
import type { UdpSocketLike, UdpTarget } from './discovery-vxi11';
import type { DiscoveryOptions } from './discovery';

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

/**
 * Where the portmapper broadcast goes: each external IPv4 interface's directed broadcast address
 * (reaches that subnet even where the limited broadcast leaves by the default route only), and
 * 255.255.255.255.
 */
export function broadcastTargets(
  interfaces: Interfaces,
  port: number = PORTMAPPER.DEFAULT_PORT,
): UdpTarget[] {
  const addresses = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal) continue;
      const mask = ipv4ToInt(i.netmask);
      if (mask === 0xffffffff) continue; // a /32 has no one else on its subnet
      addresses.add(intToIpv4((ipv4ToInt(i.address) | ~mask) >>> 0));
    }
  }
  addresses.add('255.255.255.255');
  return [...addresses].map((address) => ({ address, port }));
}

/** A UDP socket bound to any address, allowed to broadcast. */
export function openBroadcastSocket(): Promise<UdpSocketLike> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.removeListener('error', reject);
      try {
        socket.setBroadcast(true);
      } catch (err) {
        socket.close();
        reject(err as Error);
        return;
      }
      resolve(socket);
    });
  });
}

/** `multicast-dns` on 224.0.0.251:5353, joined on every interface. */
export function createSystemMdns(): MdnsLike {
  return makeMulticastDns() as unknown as MdnsLike;
}

/**
 * The discovery methods of a real machine: what the given opener table lists (its USB backend and
 * simulators), the VXI-11 broadcast on every interface, and mDNS.
 */
export function systemDiscoveryOptions(parts: {
  openers?: DiscoveryOptions['openers'];
  timeoutMs?: number;
  interfaces?: Interfaces;
}): DiscoveryOptions {
  const timeoutMs = parts.timeoutMs;
  const resendAfterMs = Math.min(1000, Math.floor((timeoutMs ?? 3000) / 3));
  return {
    openers: parts.openers,
    timeoutMs,
    vxi11: {
      openSocket: openBroadcastSocket,
      targets: broadcastTargets(parts.interfaces ?? os.networkInterfaces()),
      resendAfterMs,
    },
    mdns: { create: createSystemMdns, resendAfterMs },
  };
}

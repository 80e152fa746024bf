/**
 * Lists instruments as VISA resource strings: USBTMC devices on the USB bus (when this system
 * gives USB access) and the registered simulated instruments. Never throws: a system without USB
 * access yields no USB entries plus the reason, for the editor to show.
 */
import { UnsupportedError } from '../core/errors';
import { getUsbDevices, loadUsbBackend, usbtmcInterfaces } from '../transport/usbtmc';
import type { UsbBackend } from '../transport/usbtmc-types';
import { listSimInstruments } from './sim-instruments';

export interface DiscoveredResource {
  /** The VISA resource string, e.g. USB0::0x05E6::0x2281::4518305::INSTR. */
  resource: string;
  kind: 'usb' | 'sim';
  manufacturer?: string;
  model?: string;
  serial?: string;
  /** Why the entry may not be usable (e.g. serial number unreadable: permissions). */
  note?: string;
}

export interface DiscoveryResult {
  resources: DiscoveredResource[];
  usb: { available: boolean; reason?: string };
}

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

async function discoverUsb(backend?: UsbBackend): Promise<DiscoveryResult> {
  try {
    const devices = await getUsbDevices(backend ?? (await loadUsbBackend()));
    const resources: DiscoveredResource[] = [];
    for (const device of devices) {
      let interfaces;
      try {
        interfaces = usbtmcInterfaces(device);
      } catch {
        continue;
      }
      for (const iface of interfaces) {
        const serial = device.serialNumber ?? undefined;
        const suffix = iface.interfaceNumber === 0 ? '' : `::${iface.interfaceNumber}`;
        resources.push({
          resource: `USB0::${hex4(device.vendorId)}::${hex4(device.productId)}::${serial ?? '?'}${suffix}::INSTR`,
          kind: 'usb',
          manufacturer: device.manufacturerName ?? undefined,
          model: device.productName ?? undefined,
          serial,
          note:
            serial === undefined
              ? 'serial number unreadable: give the Node-RED user access to the device (udev rule)'
              : undefined,
        });
      }
    }
    return { resources, usb: { available: true } };
  } catch (err) {
    const reason = err instanceof UnsupportedError || err instanceof Error ? err.message : String(err);
    return { resources: [], usb: { available: false, reason } };
  }
}

/** USB instruments plus simulated ones, with whether USB could be searched at all. */
export async function discoverVisaResources(options: { usb?: UsbBackend } = {}): Promise<DiscoveryResult> {
  const usb = await discoverUsb(options.usb);
  const sims: DiscoveredResource[] = listSimInstruments().map((s) => ({
    resource: s.resource,
    kind: 'sim',
    model: s.model,
    serial: s.serial,
    manufacturer: 'simulated',
  }));
  return { resources: [...usb.resources, ...sims], usb: usb.usb };
}

/** Just the list (what the editor's resource picker asks for). */
export async function listResources(options: { usb?: UsbBackend } = {}): Promise<DiscoveredResource[]> {
  return (await discoverVisaResources(options)).resources;
}

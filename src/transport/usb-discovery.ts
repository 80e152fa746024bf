/**
 * USBTMC devices on the USB bus as VISA resource strings, for discovery. Throws UnsupportedError
 * when this system gives no USB access; the caller reports that as the reason USB was not searched.
 */
import { getUsbDevices, usbtmcInterfaces } from './usb-backend';
import type { ListedResource } from './openers';
import type { UsbBackend } from './usbtmc-types';

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A serial number becomes a resource field: one holding "::", blanks or control characters could
 * not be written back into a resource string, so the entry is listed as unreadable instead.
 */
function usableSerial(serial: string | null | undefined): string | undefined {
  if (typeof serial !== 'string') return undefined;
  const s = serial.trim();
  return /^[\x21-\x7e]+$/.test(s) && !s.includes('::') ? s : undefined;
}

export async function listUsbtmcResources(backend: UsbBackend): Promise<ListedResource[]> {
  const devices = await getUsbDevices(backend);
  const resources: ListedResource[] = [];
  for (const device of devices) {
    let interfaces;
    try {
      interfaces = usbtmcInterfaces(device);
    } catch {
      continue;
    }
    for (const iface of interfaces) {
      const serial = usableSerial(device.serialNumber);
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
  return resources;
}

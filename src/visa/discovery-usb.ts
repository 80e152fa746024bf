/**
 * USBTMC discovery: every interface of class 0xFE subclass 3 on the injected USB backend, as a
 * VISA resource string. Enumeration is local and quick, but a hung backend must not hold the
 * editor: the aggregate's deadline ends the wait.
 */
import { isLabbenchError } from '../core/errors';
import { usbtmcInterfaces } from '../transport/usbtmc';
import type { UsbBackend, UsbDeviceLike } from '../transport/usbtmc-types';
import type { DiscoveredResource, MethodOutcome, MethodRun } from './discovery-types';
import { errorText } from './discovery-types';

function hex4(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A serial number is a resource field: it cannot hold "::" or characters we refuse there. */
function usableSerial(serial: string | null | undefined): string | undefined {
  if (typeof serial !== 'string') return undefined;
  const s = serial.trim();
  return /^[\x21-\x7e]+$/.test(s) && !s.includes('::') ? s : undefined;
}

export function usbtmcResources(device: UsbDeviceLike): DiscoveredResource[] {
  const out: DiscoveredResource[] = [];
  for (const iface of usbtmcInterfaces(device)) {
    const serial = usableSerial(device.serialNumber);
    const suffix = iface.interfaceNumber === 0 ? '' : `::${iface.interfaceNumber}`;
    out.push({
      resource: `USB0::${hex4(device.vendorId)}::${hex4(device.productId)}::${serial ?? '?'}${suffix}::INSTR`,
      kind: 'usb',
      via: ['usb'],
      manufacturer: device.manufacturerName ?? undefined,
      model: device.productName ?? undefined,
      serial,
      note:
        serial === undefined
          ? 'serial number unreadable: give the Node-RED user access to the device (udev rule)'
          : undefined,
    });
  }
  return out;
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/** Lists the USBTMC interfaces the backend shows; without USB access: none, plus the reason. */
export async function discoverUsbtmc(backend: UsbBackend, run: MethodRun): Promise<MethodOutcome> {
  const report = { method: 'usb' as const, searched: true, ignored: 0 };
  let devices: UsbDeviceLike[] | typeof TIMED_OUT;
  try {
    devices = await Promise.race([backend.getDevices(), run.until.then((): typeof TIMED_OUT => TIMED_OUT)]);
  } catch (err) {
    const reason = isLabbenchError(err)
      ? err.message
      : `USB instruments are not available: this system gives no USB access (${errorText(err)}). In a container, pass the USB bus through (e.g. --device /dev/bus/usb).`;
    return { report: { ...report, searched: false, reason }, resources: [] };
  }
  if (devices === TIMED_OUT) {
    return {
      report: { ...report, searched: false, reason: 'USB enumeration did not finish in time.' },
      resources: [],
    };
  }
  const resources: DiscoveredResource[] = [];
  for (const device of devices) {
    let found: DiscoveredResource[];
    try {
      found = usbtmcResources(device);
    } catch {
      // A device whose descriptors cannot be read is not one we could open either.
      report.ignored++;
      continue;
    }
    for (const r of found) {
      resources.push(r);
      run.onResource?.(r);
    }
  }
  return { report, resources };
}

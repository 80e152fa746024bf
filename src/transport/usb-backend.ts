/**
 * The `usb` package as a UsbBackend, and what every USB user needs from it: listing devices,
 * finding the USBTMC interfaces of one, and turning `usb`'s error texts into coded errors.
 *
 * `usb` is loaded lazily here and only here: where it cannot load, or where the platform gives no
 * USB access (containers without /sys/bus/usb: getDevices rejects), USB resources fail with
 * E_UNSUPPORTED and everything else keeps working.
 */
import {
  BusyError,
  DisconnectedError,
  LabbenchError,
  ProtocolError,
  TimeoutError,
  UnsupportedError,
  isBusy,
  isDeviceGone,
  toLabbenchError,
} from '../core/errors';
import { USBTMC_CLASS, USBTMC_SUBCLASS } from './usbtmc-codec';
import type {
  UsbBackend,
  UsbConfigurationLike,
  UsbDeviceLike,
  UsbInResult,
  UsbInterfaceLike,
} from './usbtmc-types';

// --- loading `usb` -------------------------------------------------------------------------------

/** The `usb` package once loaded: loading it is the same for every opener table. */
let defaultBackend: UsbBackend | undefined;

/** The `usb` package as a UsbBackend; UnsupportedError when it cannot load on this platform. */
export async function loadUsbBackend(): Promise<UsbBackend> {
  if (defaultBackend) return defaultBackend;
  let mod: { usb?: { getDevices(): Promise<unknown[]> } };
  try {
    mod = (await import('usb')) as unknown as typeof mod;
  } catch (err) {
    throw new UnsupportedError(
      `USB instruments are not available: the 'usb' package could not load on this platform (${errorText(err)}). Use the instrument's LAN (TCPIP::…) or serial interface instead.`,
      { cause: err },
    );
  }
  const webusb = mod.usb;
  if (!webusb || typeof webusb.getDevices !== 'function') {
    throw new UnsupportedError(
      "USB instruments are not available: the 'usb' package has no WebUSB interface (usb 3.x is required).",
    );
  }
  defaultBackend = { getDevices: async () => (await webusb.getDevices()) as UsbDeviceLike[] };
  return defaultBackend;
}

/** Lists devices, turning "this system has no USB access" into UnsupportedError. */
export async function getUsbDevices(backend: UsbBackend): Promise<UsbDeviceLike[]> {
  try {
    return await backend.getDevices();
  } catch (err) {
    throw new UnsupportedError(
      `USB instruments are not available: this system gives no USB access (${errorText(err)}). In a container, pass the USB bus through (e.g. --device /dev/bus/usb); otherwise use LAN (TCPIP::…) or serial.`,
      { cause: err },
    );
  }
}

// --- device helpers --------------------------------------------------------------------------------

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `usb` 3.x errors carry text, not OS codes ("device disconnected", "interface is busy"…). Give
 * them the codes the core classifies by (sharing rules 7 and 8 in docs/design.md), and the typed errors our callers
 * expect.
 */
export function mapUsbError(err: unknown, label: string, action: string): LabbenchError {
  if (err instanceof LabbenchError) return err;
  const text = errorText(err);
  if (
    /disconnected|no such device|NO_DEVICE|ENODEV|device (?:was )?(?:lost|removed)/i.test(text) ||
    isDeviceGone(err)
  ) {
    return new DisconnectedError(
      `${action} failed on ${label}: the USB device went away (${text}). Check the cable and power; the next message reopens it.`,
      {
        resource: label,
        cause: err,
      },
    );
  }
  if (/busy|EBUSY/i.test(text) || isBusy(err)) {
    return new BusyError(
      `${action} failed on ${label}: the USB interface is in use (${text}) — by another program, another session, or the kernel 'usbtmc' driver. Close the other user, or blacklist usbtmc (see docs/visa.md).`,
      { resource: label, cause: err },
    );
  }
  if (/timed? ?out|timeout/i.test(text)) {
    return new TimeoutError(`${action} on ${label} timed out (${text}).`, { resource: label, cause: err });
  }
  if (/permission denied|access denied|EACCES/i.test(text)) {
    return toLabbenchError(Object.assign(new Error(text), { code: 'EACCES' }), { resource: label, action });
  }
  return new ProtocolError(`${action} failed on ${label}: ${text}`, { resource: label, cause: err });
}

export function isUsbTimeout(err: unknown): boolean {
  return err instanceof TimeoutError || /timed? ?out|timeout|cancel/i.test(errorText(err));
}

export function activeConfiguration(device: UsbDeviceLike): UsbConfigurationLike | undefined {
  try {
    return device.configuration ?? undefined;
  } catch {
    // `usb` 3.x throws from the getter on an unconfigured device.
    return undefined;
  }
}

function isUsbtmcInterface(iface: UsbInterfaceLike): boolean {
  // Class and subclass only: protocol 0x00 (plain) or 0x01 (USB488); which one the 2281S reports
  // is UNVERIFIED, so neither is required.
  const alt = iface.alternate ?? iface.alternates?.[0];
  return (
    alt !== undefined && alt.interfaceClass === USBTMC_CLASS && alt.interfaceSubclass === USBTMC_SUBCLASS
  );
}

/** The USBTMC interfaces of a device (from whichever configuration is active, else the first). */
export function usbtmcInterfaces(device: UsbDeviceLike): UsbInterfaceLike[] {
  const cfg = activeConfiguration(device) ?? device.configurations?.[0];
  return cfg ? cfg.interfaces.filter(isUsbtmcInterface) : [];
}

export function dataOf(result: UsbInResult): Buffer {
  const view = result.data;
  return view ? Buffer.from(view.buffer, view.byteOffset, view.byteLength) : Buffer.alloc(0);
}

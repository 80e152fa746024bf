/**
 * Reaching a USBTMC instrument before any message: finding the device by VID/PID/serial, opening
 * it, selecting its configuration, taking its USBTMC interface from the kernel driver, finding the
 * bulk endpoints and reading GET_CAPABILITIES. What fails on the way leaves the device released
 * and closed.
 */
import { NotFoundError, ProtocolError, UnsupportedError } from '../core/errors';
import { activeConfiguration, dataOf, getUsbDevices, mapUsbError, usbtmcInterfaces } from './usb-backend';
import { Request, Status, parseCapabilities } from './usbtmc-codec';
import type { UsbtmcCapabilities } from './usbtmc-codec';
import type { UsbBackend, UsbDeviceLike, UsbEndpointLike } from './usbtmc-types';

/** Control requests are short; a device that does not answer them in this time is wedged. */
export const CONTROL_TIMEOUT_MS = 1000;

/** An opened device whose USBTMC interface is ours. */
export interface ClaimedUsbtmc {
  readonly device: UsbDeviceLike;
  readonly interfaceNumber: number;
  readonly bulkOut: UsbEndpointLike;
  readonly bulkIn: UsbEndpointLike;
  /** Undefined when the device does not answer GET_CAPABILITIES. */
  readonly capabilities: UsbtmcCapabilities | undefined;
}

/** The USB address fields of a USB resource string. */
export interface UsbtmcAddress {
  vendorId: number;
  productId: number;
  serial: string;
  usbInterface: number;
}

/** Finds the instrument by VID/PID/serial (serial compared case-insensitively). */
export async function findUsbtmcDevice(
  resource: UsbtmcAddress,
  backend: UsbBackend,
  label: string,
): Promise<UsbDeviceLike> {
  const devices = await getUsbDevices(backend);
  const sameModel = devices.filter(
    (d) => d.vendorId === resource.vendorId && d.productId === resource.productId,
  );
  const wanted = resource.serial.trim().toUpperCase();
  const device = sameModel.find((d) => (d.serialNumber ?? '').trim().toUpperCase() === wanted);
  if (!device) {
    const others = sameModel.map((d) => d.serialNumber ?? '(serial unreadable: check USB permissions)');
    throw new NotFoundError(
      `${label} is not connected${others.length ? `; the same model is present with serial ${others.join(', ')}` : ''}. Check the cable, the power and the serial number${others.length ? '' : ', and that the Node-RED user may access the USB device (udev rule, see docs/visa.md)'}.`,
      { resource: label },
    );
  }
  return device;
}

/** Opens `device` and claims its USBTMC interface (`interfaceNumber`, else the first). */
export async function claimUsbtmc(
  device: UsbDeviceLike,
  label: string,
  interfaceNumber?: number,
): Promise<ClaimedUsbtmc> {
  const step = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw mapUsbError(err, label, action);
    }
  };
  if (!device.opened) await step('Opening the USB device', () => device.open());
  let claimed: number | undefined;
  try {
    if (!activeConfiguration(device) && device.selectConfiguration) {
      const value = device.configurations?.[0]?.configurationValue ?? 1;
      await step('Selecting the USB configuration', () => device.selectConfiguration!(value));
    }
    const candidates = usbtmcInterfaces(device);
    const iface = candidates.find((i) => i.interfaceNumber === interfaceNumber) ?? candidates[0];
    if (!iface) {
      throw new UnsupportedError(
        `${label} has no USBTMC interface (class 0xFE, subclass 0x03); it is not a USBTMC instrument.`,
        { resource: label },
      );
    }
    // The Linux kernel 'usbtmc' driver binds these interfaces; it must let go before we can claim.
    // Failure is normal (no driver attached, or not Linux) and is not an error by itself.
    if (device.detachKernelDriver)
      await device.detachKernelDriver(iface.interfaceNumber).catch(() => undefined);
    await step('Claiming the USBTMC interface', () => device.claimInterface(iface.interfaceNumber));
    claimed = iface.interfaceNumber;
    const alt = iface.alternate ?? iface.alternates[0];
    const bulkOut = alt.endpoints.find((e) => e.type === 'bulk' && e.direction === 'out');
    const bulkIn = alt.endpoints.find((e) => e.type === 'bulk' && e.direction === 'in');
    if (!bulkOut || !bulkIn) {
      throw new ProtocolError(`${label}: the USBTMC interface lacks its bulk endpoints.`, {
        resource: label,
      });
    }
    const capabilities = await step('Reading USBTMC capabilities', async () => {
      const r = await device.controlTransferIn(
        {
          requestType: 'class',
          recipient: 'interface',
          request: Request.GET_CAPABILITIES,
          value: 0,
          index: iface.interfaceNumber,
        },
        0x18,
        CONTROL_TIMEOUT_MS,
      );
      const parsed = parseCapabilities(dataOf(r));
      return r.status === 'ok' && parsed.status === Status.SUCCESS ? parsed.capabilities : undefined;
    });
    return { device, interfaceNumber: iface.interfaceNumber, bulkOut, bulkIn, capabilities };
  } catch (err) {
    if (claimed !== undefined) await device.releaseInterface?.(claimed).catch(() => undefined);
    await device.close().catch(() => undefined);
    throw err;
  }
}

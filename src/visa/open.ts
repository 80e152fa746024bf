/**
 * Opens the MessageTransport a parsed VISA resource names. Each kind lives in its own module;
 * USB is loaded lazily so a platform without the `usb` binary still gets TCP, VXI-11 and serial.
 */
import { UnsupportedError } from '../core/errors';
import { formatVisaResource } from '../core/identity';
import type { VisaResource } from '../core/identity';
import { openHislipTransport } from '../transport/hislip';
import { openTcpSocketTransport } from '../transport/tcp';
import type { SerialSettings } from '../transport/types';
import type { UsbBackend } from '../transport/usbtmc-types';
import { openUsbtmcTransport } from '../transport/usbtmc';
import { openVxi11Transport, vxi11PortmapperPortFromEnv } from '../transport/vxi11';
import { DEFAULT_ASRL_SETTINGS, openAsrlTransport } from './asrl';
import { openSimTransport } from './sim-instruments';
import type { MessageTransport } from './types';

export interface VisaOpenOptions {
  /** Connect / open / per-RPC timeout, ms (default 5000). Reply timeouts are per call. */
  timeoutMs?: number;
  /** Serial settings for ASRL resources (default 9600 8N1). */
  serial?: Partial<SerialSettings>;
  /**
   * Portmapper port for VXI-11 (default: env LABBENCH_VXI11_PORTMAPPER_PORT, else 111). The
   * simulator's portmapper listens on an unprivileged port, since 111 needs root.
   */
  vxi11PortmapperPort?: number;
  /** The USB implementation (tests, simulated USBTMC devices); default: the `usb` package. */
  usb?: UsbBackend;
}

export async function openVisaTransport(
  resource: VisaResource,
  options: VisaOpenOptions = {},
): Promise<MessageTransport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const label = formatVisaResource(resource);
  switch (resource.kind) {
    case 'socket':
      return openTcpSocketTransport({ host: resource.host, port: resource.port, label, timeoutMs });
    case 'vxi11':
      return openVxi11Transport({
        host: resource.host,
        device: resource.device,
        label,
        timeoutMs,
        portmapperPort: options.vxi11PortmapperPort ?? vxi11PortmapperPortFromEnv(),
      });
    case 'hislip':
      return openHislipTransport({
        host: resource.host,
        port: resource.port,
        subAddress: resource.subAddress,
        label,
        timeoutMs,
      });
    case 'usb':
      return openUsbtmcTransport(resource, { label, timeoutMs, backend: options.usb });
    case 'asrl':
      return openAsrlTransport(resource.path, { ...DEFAULT_ASRL_SETTINGS, ...options.serial }, label);
    case 'sim':
      return openSimTransport(resource);
    default:
      throw new UnsupportedError(`${label}: this kind of VISA resource is not supported.`);
  }
}

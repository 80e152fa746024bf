/**
 * The shared SCPI session of one instrument (SPEC §3): one per canonical resource key, whatever
 * the spelling, opened lazily through the registry (busy retry and stale replacement are the
 * registry's), protocol 'scpi' claimed so an ASRL instrument and a Watlow bus cannot share a port.
 */
import { formatVisaResource, parseVisaResource, visaKey } from '../core/identity';
import type { Lease, ResourceRegistry } from '../core/registry';
import { openVisaTransport } from './open';
import type { VisaOpenOptions } from './open';
import { ScpiSession } from './session';
import type { ScpiSessionOptions } from './session';

export interface AcquireVisaOptions extends VisaOpenOptions, Omit<ScpiSessionOptions, 'resource'> {
  /** Default reply timeout of the session, ms (default 5000); also the open timeout. */
  timeoutMs?: number;
}

export function acquireVisaSession(
  registry: ResourceRegistry,
  resourceText: string,
  holder: string,
  options: AcquireVisaOptions = {},
): Lease<ScpiSession> {
  const resource = parseVisaResource(resourceText);
  const key = visaKey(resource);
  const label = formatVisaResource(resource);
  const settings =
    resource.kind === 'asrl'
      ? {
          baudRate: options.serial?.baudRate ?? 9600,
          dataBits: options.serial?.dataBits ?? 8,
          parity: options.serial?.parity ?? 'none',
          stopBits: options.serial?.stopBits ?? 1,
        }
      : undefined;
  return registry.acquire<ScpiSession>({
    key,
    label,
    holder,
    claim: { protocol: 'scpi', ...(settings ? { settings } : {}) },
    open: async () => {
      const transport = await openVisaTransport(resource, options);
      return new ScpiSession(transport, {
        resource: label,
        timeoutMs: options.timeoutMs,
        maxErrorDrain: options.maxErrorDrain,
        onOrphanErrors: options.onOrphanErrors,
      });
    },
  });
}

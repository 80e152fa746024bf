/**
 * The shared SCPI session of one instrument: one per canonical resource key, whatever
 * the spelling, opened lazily through the registry (busy retry and stale replacement are the
 * registry's), protocol 'scpi' claimed so an ASRL instrument and a Watlow bus cannot share a port.
 */
import { formatVisaResource, parseVisaResource, visaKey } from '../core/identity';
import type { Lease, ResourceRegistry } from '../core/registry';
import { DEFAULT_ASRL_SETTINGS } from '../transport/openers';
import type { Openers } from '../transport/openers';
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
  openers: Openers,
  resourceText: string,
  holder: string,
  options: AcquireVisaOptions = {},
): Lease<ScpiSession> {
  const resource = parseVisaResource(resourceText);
  const key = visaKey(resource);
  const label = formatVisaResource(resource);
  const settings = resource.kind === 'asrl' ? { ...DEFAULT_ASRL_SETTINGS, ...options.serial } : undefined;
  return registry.acquire<ScpiSession>({
    key,
    label,
    holder,
    claim: { protocol: 'scpi', ...(settings ? { settings } : {}) },
    open: async () => {
      const transport = await openVisaTransport(openers, resource, options);
      return new ScpiSession(transport, {
        resource: label,
        timeoutMs: options.timeoutMs,
        maxErrorDrain: options.maxErrorDrain,
        onOrphanErrors: options.onOrphanErrors,
      });
    },
  });
}

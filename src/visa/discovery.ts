/**
 * Lists instruments as VISA resource strings: whatever the opener table's backends can find by
 * themselves (USBTMC devices when this system gives USB access, the table's simulated
 * instruments). Never throws: a system without USB access yields no USB entries plus the reason,
 * for the editor to show.
 */
import { listMessageResources } from '../transport/openers';
import type { ListedResource, Openers } from '../transport/openers';

export type DiscoveredResource = ListedResource;

export interface DiscoveryResult {
  resources: DiscoveredResource[];
  usb: { available: boolean; reason?: string };
}

export async function discoverVisaResources(openers: Openers): Promise<DiscoveryResult> {
  const { resources, unavailable } = await listMessageResources(openers);
  const usbMissing = unavailable.find((u) => u.scheme === 'usb');
  return {
    resources,
    usb: usbMissing ? { available: false, reason: usbMissing.reason } : { available: true },
  };
}

/** Just the list (what the editor's resource picker asks for). */
export async function listResources(openers: Openers): Promise<DiscoveredResource[]> {
  return (await discoverVisaResources(openers)).resources;
}

/**
 * What instrument discovery reports, shared by its methods (USB, VXI-11 broadcast, mDNS) and the
 * aggregate that runs them side by side.
 */

/** How an entry was found. */
export type DiscoveryMethod = 'usb' | 'vxi11' | 'mdns' | 'sim';

export interface DiscoveredResource {
  /** The VISA resource string, e.g. USB0::0x05E6::0x2281::4518305::INSTR. */
  resource: string;
  kind: 'usb' | 'lan' | 'sim';
  /** Every method that found it (one instrument is often seen by VXI-11 and by mDNS). */
  via: DiscoveryMethod[];
  manufacturer?: string;
  model?: string;
  serial?: string;
  /** The name the instrument announces itself with (mDNS instance name). */
  name?: string;
  /** Why the entry may not be usable (e.g. serial number unreadable: permissions). */
  note?: string;
}

/** How one method went: whether it could search at all, and why not. */
export interface MethodReport {
  method: DiscoveryMethod;
  /** False when the method could not run here (no USB access, socket refused, not configured). */
  searched: boolean;
  reason?: string;
  /** Replies that were received but not understood (garbage, non-instruments); never entries. */
  ignored: number;
}

/** What a method gives back to the aggregate. */
export interface MethodOutcome {
  report: MethodReport;
  resources: DiscoveredResource[];
}

/**
 * What every network method gets: when to stop (a promise the aggregate resolves on its clock)
 * and where to announce entries as they arrive (progress, and tests that order events).
 */
export interface MethodRun {
  /** Resolves when the discovery time is up; the method then closes its sockets and returns. */
  until: Promise<void>;
  onResource?: (resource: DiscoveredResource) => void;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The holders of one shared resource and the protocol claim they agree on. The first lease that
 * claims a protocol fixes protocol and settings for the port; later claims must match. The claim
 * outlives its lease (grace period, claimless leases), since the handle was opened with its
 * settings.
 */
import { ProtocolConflictError, SettingsConflictError } from './errors';
import type { ClaimSettings, ProtocolClaim } from './resource-types';

/** One holder of the resource, as the resource knows it. */
export interface LeaseToken {
  readonly holder: string;
  readonly claim: ProtocolClaim | undefined;
}

function formatSettings(settings: ClaimSettings | undefined): string {
  if (!settings) return 'default settings';
  return Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function settingsDiffer(a: ClaimSettings | undefined, b: ClaimSettings | undefined): string[] {
  if (!a || !b) return [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]);
}

export class LeaseBook {
  private readonly tokens = new Set<LeaseToken>();
  private lastClaim: LeaseToken | undefined;

  constructor(private readonly label: string) {}

  get size(): number {
    return this.tokens.size;
  }

  has(token: LeaseToken): boolean {
    return this.tokens.has(token);
  }

  add(holder: string, claim: ProtocolClaim | undefined): LeaseToken {
    const token: LeaseToken = { holder, claim };
    this.tokens.add(token);
    this.lastClaim = this.claimOwner();
    return token;
  }

  /** False when the token was not (or no longer) held. */
  remove(token: LeaseToken): boolean {
    if (!this.tokens.delete(token)) return false;
    this.lastClaim = this.claimOwner();
    return true;
  }

  holders(): string[] {
    return [...this.tokens].map((l) => l.holder);
  }

  /** The protocol fixed by the first claiming lease, if any lease claims one. */
  get protocol(): string | undefined {
    return this.claimOwner()?.claim?.protocol;
  }

  /**
   * Who fixed the protocol: the first current lease with a claim or, when none is left, the last
   * one that had it.
   */
  private claimOwner(): LeaseToken | undefined {
    for (const token of this.tokens) if (token.claim) return token;
    return this.lastClaim;
  }

  /** Throws E_PROTOCOL_CONFLICT / E_SETTINGS_CONFLICT when `claim` disagrees with the owner's. */
  check(holder: string, claim: ProtocolClaim | undefined): void {
    if (!claim) return;
    const owner = this.claimOwner();
    if (!owner?.claim) return;
    if (owner.claim.protocol !== claim.protocol) {
      throw new ProtocolConflictError(
        `${holder} wants ${this.label} for ${claim.protocol}, but ${owner.holder} already uses it for ${owner.claim.protocol}. One bus speaks one protocol: set every device on this port to the same protocol, or move one to another port.`,
        { resource: this.label },
      );
    }
    const differing = settingsDiffer(owner.claim.settings, claim.settings);
    if (differing.length > 0) {
      throw new SettingsConflictError(
        `${holder} wants ${this.label} with ${formatSettings(claim.settings)}, but ${owner.holder} already opened it with ${formatSettings(owner.claim.settings)} (${differing.join(', ')} differ). Use one serial-port config node, or give both the same settings.`,
        { resource: this.label },
      );
    }
  }
}

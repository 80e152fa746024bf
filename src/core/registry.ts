/**
 * The process-wide registry of shared physical resources. One `SharedResource` per canonical key
 * holds the one OS handle, the one FIFO lock, the protocol claim, the driver cache and the role
 * guard. Users hold `Lease`s; the handle opens lazily on first use and closes when the last lease
 * goes.
 */
import type {
  Closeable,
  ClearReport,
  RegistryOptions,
  ResolvedRegistryOptions,
  ResourceSpec,
} from './resource-types';
import { resolveRegistryOptions } from './resource-types';
import type { ResourceKey } from './identity';
import { resourceKey } from './identity';
import { Lease } from './lease';
import { SharedResource } from './shared-resource';

export * from './resource-types';
export { Lease } from './lease';
export type { LeaseCache, LeaseRoles } from './lease';
export { SharedResource } from './shared-resource';

export class ResourceRegistry {
  private readonly resources = new Map<ResourceKey, SharedResource<Closeable>>();
  /** Closes still running for resources that left the map; a successor waits for them. */
  private readonly pendingCloses = new Map<ResourceKey, Promise<void>>();
  private readonly options: ResolvedRegistryOptions;

  constructor(options: RegistryOptions = {}) {
    this.options = resolveRegistryOptions(options);
  }

  /**
   * Takes a lease on the resource named by `spec.key`, creating the shared entry on first use.
   * Synchronous, and fails at once on a protocol or settings conflict . The handle itself
   * opens on the first transaction.
   */
  acquire<H extends Closeable>(spec: ResourceSpec<H>): Lease<H> {
    let resource = this.resources.get(spec.key) as SharedResource<H> | undefined;
    if (resource && resource.leaseCount === 0) {
      // Only a grace period keeps it: a newcomer with another protocol simply replaces it.
      try {
        resource.checkClaim(spec.holder, spec.claim);
      } catch {
        resource.dispose().catch(() => undefined);
        resource = undefined;
      }
    }
    if (!resource) {
      const created: SharedResource<H> = new SharedResource<H>(
        spec.key,
        spec.label,
        spec.open,
        this.options,
        (gone, closed) => this.forget(gone as unknown as SharedResource<Closeable>, closed),
        this.pendingCloses.get(spec.key),
      );
      this.resources.set(spec.key, created as unknown as SharedResource<Closeable>);
      resource = created;
    }
    resource.checkClaim(spec.holder, spec.claim);
    return new Lease<H>(resource, resource.addLease(spec.holder, spec.claim));
  }

  private forget(resource: SharedResource<Closeable>, closed: Promise<void>): void {
    if (this.resources.get(resource.key) === resource) this.resources.delete(resource.key);
    // A successor on the same key opens only after the old handle is gone.
    const pending = closed.finally(() => {
      if (this.pendingCloses.get(resource.key) === pending) this.pendingCloses.delete(resource.key);
    });
    this.pendingCloses.set(resource.key, pending);
  }

  get(key: ResourceKey): SharedResource<Closeable> | undefined {
    return this.resources.get(key);
  }

  keys(): ResourceKey[] {
    return [...this.resources.keys()];
  }

  private select(target: string | undefined): SharedResource<Closeable>[] {
    const all = [...this.resources.values()];
    if (target === undefined || target.trim() === '') return all;
    const key = resourceKey(target);
    return all.filter((r) => r.key === key);
  }

  /** Drops cached drivers; open handles stay open. */
  clear(target?: string): ClearReport {
    const report: ClearReport = { drivers: 0, closed: [], kept: [] };
    for (const resource of this.select(target)) {
      report.drivers += resource.cache.clear();
      report.kept.push(resource.key);
    }
    return report;
  }

  /** Drops cached drivers and closes handles, after the transaction in flight; next use reopens. */
  async clearAll(target?: string): Promise<ClearReport> {
    const report: ClearReport = { drivers: 0, closed: [], kept: [] };
    for (const resource of this.select(target)) {
      report.drivers += resource.cache.clear();
      const wasOpen = resource.state === 'open' || resource.state === 'opening';
      try {
        await resource.closeWhenIdle();
      } catch (err) {
        this.options.log(`clearAll: closing ${resource.label} failed: ${String(err)}`);
      }
      if (wasOpen) report.closed.push(resource.key);
    }
    return report;
  }

  /** Closes every handle in reverse order of opening; collects errors, throws nothing. */
  async closeAll(): Promise<Error[]> {
    const errors: Error[] = [];
    const order = [...this.resources.values()].sort((a, b) => b.openedAt - a.openedAt);
    for (const resource of order) {
      try {
        await resource.dispose();
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        errors.push(e);
        this.options.log(`teardown: closing ${resource.label} failed: ${e.message}`);
      }
    }
    await Promise.all([...this.pendingCloses.values()]);
    return errors;
  }
}

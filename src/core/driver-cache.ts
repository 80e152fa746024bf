/**
 * Per-resource cache of driver objects (identity, entry function, model, capabilities). `clear`
 * drops these so the next use rebuilds them from the device, while the handle stays open.
 */
export class DriverCache {
  private readonly entries = new Map<string, unknown>();

  /** The cached object for `name`, built by `factory` on first use. */
  get<T>(name: string, factory: () => T): T {
    if (this.entries.has(name)) return this.entries.get(name) as T;
    const value = factory();
    this.entries.set(name, value);
    return value;
  }

  peek<T>(name: string): T | undefined {
    return this.entries.get(name) as T | undefined;
  }

  delete(name: string): boolean {
    return this.entries.delete(name);
  }

  /** Drops everything; returns how many drivers were dropped. */
  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
  }

  get size(): number {
    return this.entries.size;
  }
}

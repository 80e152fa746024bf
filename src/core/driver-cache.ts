/**
 * Per-resource cache of driver objects (identity, entry function, model, capabilities). `clear`
 * drops these so the next use rebuilds them from the device, while the handle stays open.
 *
 * Entries are named by typed keys: a key carries the type of what it names, so a reader cannot
 * take a Watlow controller's knowledge for a Keithley driver, and a typo is a compile error
 * rather than a silent second entry.
 */

/** Names one cache entry holding a `T`. Build with `cacheKey`; equal ids name the same entry. */
export interface CacheKey<T> {
  readonly id: string;
  /** Phantom: only carries `T` for the compiler. */
  readonly __type?: (value: T) => T;
}

/** A key for entries of type `T`; `id` should start with the driver's name ("watlow:…"). */
export function cacheKey<T>(id: string): CacheKey<T> {
  return { id };
}

export class DriverCache {
  private readonly entries = new Map<string, unknown>();

  /** The cached object for `key`, built by `factory` on first use. */
  get<T>(key: CacheKey<T>, factory: () => T): T {
    if (this.entries.has(key.id)) return this.entries.get(key.id) as T;
    const value = factory();
    this.entries.set(key.id, value);
    return value;
  }

  peek<T>(key: CacheKey<T>): T | undefined {
    return this.entries.get(key.id) as T | undefined;
  }

  delete<T>(key: CacheKey<T>): boolean {
    return this.entries.delete(key.id);
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

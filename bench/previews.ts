/**
 * Bench-local previews of recommended library changes, so the report can show what a fix buys,
 * measured in the same run as the code as it is. Nothing here modifies the library's files; each
 * preview swaps something for the duration of one callback and restores it.
 */

type Listener = () => void;

/** The subset of AbortSignal the library's consumers use (aborted, reason, add/removeEventListener). */
class LightSignal {
  aborted = false;
  reason: unknown = undefined;
  readonly listeners = new Set<Listener>();
  addEventListener(_type: string, listener: Listener): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: Listener): void {
    this.listeners.delete(listener);
  }
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
}

class LightAbortController {
  readonly signal = new LightSignal();
  abort(reason: unknown = new Error('This operation was aborted')): void {
    const s = this.signal;
    if (s.aborted) return;
    s.aborted = true;
    s.reason = reason;
    for (const listener of [...s.listeners]) listener();
  }
}

/**
 * Preview of "no new AbortSignal per transaction" (src/core/registry.ts SharedResource.transact):
 * on Node 20 creating an AbortController's signal costs ~2 µs. While `fn` runs, the global
 * AbortController is a light stand-in with the same surface the library uses, which is what
 * reusing one controller per resource (replaced only after an abort) would cost.
 */
export async function withLightAbortController<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as { AbortController: unknown };
  const original = g.AbortController;
  g.AbortController = LightAbortController;
  try {
    return await fn();
  } finally {
    g.AbortController = original;
  }
}

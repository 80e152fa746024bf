/**
 * The lock table of the simulated HiSLIP server (AsyncLock / AsyncLockInfo): one exclusive holder,
 * or any number of sessions sharing a lock under one name; requests that cannot be granted wait
 * up to their timeout and are retried whenever a lock is released.
 */
import { LockResult } from '../../transport/hislip-codec';

/** HiSLIP locks: one exclusive holder, or any number of holders sharing one lock name. */
export class HislipLockTable {
  private exclusive: number | undefined;
  private readonly shared = new Map<number, string>();
  private waiters: { session: number; name: string; answer(code: number): void; timer: NodeJS.Timeout }[] =
    [];

  private grant(session: number, name: string): number | undefined {
    const others = [...this.shared].filter(([id]) => id !== session);
    if (this.exclusive !== undefined && this.exclusive !== session) return undefined;
    if (name === '') {
      if (others.length > 0) return undefined;
      this.exclusive = session;
      return LockResult.success;
    }
    if (others.some(([, n]) => n !== name)) return undefined;
    this.shared.set(session, name);
    return LockResult.successShared;
  }

  request(session: number, name: string, waitMs: number, answer: (code: number) => void): void {
    const granted = this.grant(session, name);
    if (granted !== undefined) return answer(granted);
    if (waitMs === 0) return answer(LockResult.failure);
    const timer = setTimeout(() => {
      this.waiters = this.waiters.filter((w) => w.timer !== timer);
      answer(LockResult.failure);
    }, waitMs);
    this.waiters.push({ session, name, answer, timer });
  }

  release(session: number): number {
    let code: number = LockResult.error;
    if (this.exclusive === session) {
      this.exclusive = undefined;
      code = LockResult.success;
    } else if (this.shared.delete(session)) code = LockResult.successShared;
    this.retry();
    return code;
  }

  releaseAll(session: number): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.session !== session) return true;
      clearTimeout(w.timer);
      return false;
    });
    this.release(session);
  }

  private retry(): void {
    for (const w of [...this.waiters]) {
      const granted = this.grant(w.session, w.name);
      if (granted === undefined) continue;
      clearTimeout(w.timer);
      this.waiters = this.waiters.filter((x) => x !== w);
      w.answer(granted);
    }
  }

  info(): { exclusive: boolean; holders: number } {
    return {
      exclusive: this.exclusive !== undefined,
      holders: (this.exclusive !== undefined ? 1 : 0) + this.shared.size,
    };
  }

  cancelAll(): void {
    for (const w of this.waiters) clearTimeout(w.timer);
    this.waiters = [];
  }
}

/**
 * Role sessions on one instrument (sharing rule 6, docs/design.md). An instrument such as the 2281S can serve in
 * several roles (supply, battery simulator) but only one at a time; while a node monitors it in
 * one role, any use in another role fails fast instead of silently switching the instrument away
 * from under the monitor. Sequential use, with no monitor running, is free.
 */
import { RoleConflictError } from './errors';

export interface RoleHolder {
  id: string;
  name: string;
}

interface ActiveMonitor {
  role: string;
  holder: RoleHolder;
}

export class RoleGuard {
  private readonly monitors = new Set<ActiveMonitor>();

  constructor(private readonly resourceLabel: string) {}

  /**
   * Registers a monitor; the returned function stops it (idempotent). Throws if another role is
   * being monitored. Two monitors in the same role may coexist.
   */
  startMonitor(role: string, holder: RoleHolder, explanation?: string): () => void {
    this.check(role, holder.name, explanation);
    const monitor: ActiveMonitor = { role, holder };
    this.monitors.add(monitor);
    return () => {
      this.monitors.delete(monitor);
    };
  }

  /** Throws `E_ROLE_CONFLICT`, naming the monitor, while a monitor of another role runs. */
  check(role: string, requester: string, explanation?: string): void {
    for (const m of this.monitors) {
      if (m.role === role) continue;
      const why = explanation ?? 'One instrument can serve only one role at a time.';
      throw new RoleConflictError(
        `${requester} cannot use ${this.resourceLabel} as a ${role}: ${m.holder.name} is monitoring it as a ${m.role}. ${why} Stop that monitor, then retry.`,
        { resource: this.resourceLabel },
      );
    }
  }

  /** The monitors running now, for status and diagnostics. */
  active(): readonly { role: string; holder: RoleHolder }[] {
    return [...this.monitors].map((m) => ({ role: m.role, holder: m.holder }));
  }
}

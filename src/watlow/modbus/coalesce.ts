/**
 * Coalescing of Modbus reads: when one poll asks several parameters of one controller whose
 * registers lie close together, one FC 03 request reads them all (a PM answers an 80-register
 * read as fast as a 2-register one; the bus time is dominated by turnaround, not bytes).
 *
 * Gap rule (documented in docs/watlow.md): sort the wanted registers; start a new request when
 *  - the registers skipped between the end of one wanted value and the start of the next exceed
 *    `maxGap` (default 16), or
 *  - the request would span more than `maxSpan` registers (default 64; Modbus allows 125).
 *
 * Whether a PM answers a read that crosses unassigned registers is not documented [?]; the client
 * therefore falls back to one request per parameter when a coalesced read draws an exception, and
 * remembers not to coalesce that group again.
 */
import type { RegisterLocation } from './registers';

export interface CoalesceRules {
  readonly maxGap: number;
  readonly maxSpan: number;
}

export const DEFAULT_COALESCE_RULES: CoalesceRules = { maxGap: 16, maxSpan: 64 };

export interface ReadBlock<T> {
  readonly address: number;
  readonly count: number;
  /** Each wanted item with its offset (in registers) inside the block. */
  readonly items: readonly {
    readonly item: T;
    readonly location: RegisterLocation;
    readonly offset: number;
  }[];
}

export function coalesceReads<T>(
  wanted: readonly { item: T; location: RegisterLocation }[],
  rules: CoalesceRules = DEFAULT_COALESCE_RULES,
): ReadBlock<T>[] {
  const sorted = [...wanted].sort((a, b) => a.location.address - b.location.address);
  const blocks: { address: number; end: number; items: { item: T; location: RegisterLocation }[] }[] = [];
  for (const entry of sorted) {
    const start = entry.location.address;
    const end = start + entry.location.count; // exclusive
    const current = blocks[blocks.length - 1];
    if (
      current &&
      start - current.end <= rules.maxGap &&
      Math.max(end, current.end) - current.address <= rules.maxSpan
    ) {
      current.end = Math.max(current.end, end);
      current.items.push(entry);
    } else {
      blocks.push({ address: start, end, items: [entry] });
    }
  }
  return blocks.map((b) => ({
    address: b.address,
    count: b.end - b.address,
    items: b.items.map((e) => ({ ...e, offset: e.location.address - b.address })),
  }));
}

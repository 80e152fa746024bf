/** A registry on a FakeClock with a scripted opener: the common setup of the registry tests. */
import { FakeClock } from '../../src/core/clock';
import { serialKey } from '../../src/core/identity';
import type { ResourceKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import type { ProtocolClaim, RegistryOptions, ResourceSpec } from '../../src/core/registry';
import { FakeOpener } from './fake-handle';
import type { FakeHandle, OpenStep } from './fake-handle';

export const PORT = '/dev/ttyFAKE0';
export const KEY: ResourceKey = serialKey(PORT, { realpath: (p) => p });

export interface Fixture {
  clock: FakeClock;
  /** open#n / close#n / open-failed:CODE, plus whatever the test pushes */
  events: string[];
  /** what the registry logged (teardown errors…) */
  logged: string[];
  registry: ResourceRegistry;
  opener: FakeOpener;
  spec(
    holder: string,
    extra?: { claim?: ProtocolClaim; key?: ResourceKey; label?: string; open?: () => Promise<FakeHandle> },
  ): ResourceSpec<FakeHandle>;
}

export function fixture(
  options: Omit<RegistryOptions, 'clock' | 'log'> & { steps?: OpenStep[]; fallback?: OpenStep } = {},
): Fixture {
  const clock = new FakeClock();
  const events: string[] = [];
  const logged: string[] = [];
  const { steps, fallback, ...registryOptions } = options;
  const registry = new ResourceRegistry({ clock, log: (m) => logged.push(m), ...registryOptions });
  const opener = new FakeOpener(events, { steps, fallback, now: () => clock.now() });
  return {
    clock,
    events,
    logged,
    registry,
    opener,
    spec: (holder, extra = {}) => ({
      key: extra.key ?? KEY,
      label: extra.label ?? PORT,
      holder,
      claim: extra.claim,
      open: extra.open ?? opener.open,
    }),
  };
}

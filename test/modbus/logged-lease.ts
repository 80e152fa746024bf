/**
 * A registry lease on a network stream whose opening and closing are logged in order (`open#n`,
 * `close#n`), so a test can show that a dropped connection is closed before the next one opens.
 */
import { serialKey } from '../../src/core/identity';
import type { ResourceRegistry } from '../../src/core/registry';
import type { ByteStream } from '../../src/transport/types';

export function loggedStreamLease(
  registry: ResourceRegistry,
  url: string,
  openStream: (url: string) => Promise<ByteStream>,
) {
  const events: string[] = [];
  let opened = 0;
  const lease = registry.acquire<ByteStream>({
    key: serialKey(url),
    label: url,
    holder: 'test',
    claim: { protocol: 'modbus' },
    open: async () => {
      const stream = await openStream(url);
      const n = ++opened;
      events.push(`open#${n}`);
      const close = stream.close.bind(stream);
      return Object.assign(stream, {
        close: async () => {
          events.push(`close#${n}`);
          await close();
        },
      });
    },
  });
  return { lease, events };
}

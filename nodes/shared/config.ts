/**
 * Parsing of node properties into typed settings. The rules live once in src/config, which the
 * editor's dialogs run too (resources/labbench-rules.js); this is the adapter's view of them, for
 * flows deployed, imported or edited by hand.
 */
export {
  parseSerialPortConfig,
  parseWatlowConfig,
  parseVisaConfig,
  parsePeriod,
  MIN_MONITOR_PERIOD_MS,
  MIN_POLL_INTERVAL_MS,
} from '../../src/config';
export type { SerialSettings, SerialPortConfig, WatlowConfig, VisaConfig } from '../../src/config';
export type { WatlowProtocol } from '../../src/watlow';

/** 'labbench-watlow "Oven 1"' — how nodes are named in error messages. */
export function describeNode(node: { type: string; name?: string; id: string }): string {
  return node.name ? `${node.type} "${node.name}"` : `${node.type} ${node.id}`;
}

/**
 * Opens the MessageTransport a parsed VISA resource names, through an opener table: which kinds
 * can open (USB with which backend, simulated instruments or not) is the table's business.
 */
import type { VisaResource } from '../core/identity';
import { openMessage } from '../transport/openers';
import type { MessageOpenOptions, Openers } from '../transport/openers';
import type { MessageTransport } from './types';

export type VisaOpenOptions = MessageOpenOptions;

export function openVisaTransport(
  openers: Openers,
  resource: VisaResource,
  options: VisaOpenOptions = {},
): Promise<MessageTransport> {
  return openMessage(openers, resource, options);
}

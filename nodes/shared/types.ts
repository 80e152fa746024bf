/** Shapes of this package's config nodes as flow nodes see them (via RED.nodes.getNode). */
import type { Node } from 'node-red';
import type { ScpiSession } from '../../src/visa';
import type { ByteStream } from '../../src/transport';
import type { WatlowController } from '../../src/watlow';
import type { Parsed, SerialPortConfig, VisaConfig, WatlowConfig } from './config';
import type { LeaseConfigNode } from './lease-keeper';

export interface SerialPortNode extends Node {
  /** The parsed configuration, or why it is invalid. */
  portConfig: Parsed<SerialPortConfig>;
}

export interface VisaConfigNode extends LeaseConfigNode<ScpiSession> {
  visaConfig: Parsed<VisaConfig>;
}

export interface WatlowConfigNode extends LeaseConfigNode<ByteStream> {
  watlowConfig: Parsed<WatlowConfig>;
  /** Name used in topics, samples and `msg.controllers`. */
  controllerName: string;
  portPath: string | undefined;
  /** The controller on the current lease (acquires it on first use; may throw a conflict). */
  controller(): WatlowController;
}

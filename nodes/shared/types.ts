/** Shapes of this package's config nodes as flow nodes see them (via RED.nodes.getNode). */
import type { Node } from 'node-red';
import type { LabbenchError } from '../../src/core';
import type { ScpiSession } from '../../src/visa';
import type { ByteStream } from '../../src/transport';
import type { WatlowController } from '../../src/watlow';
import type { SerialPortConfig, VisaConfig, WatlowConfig } from './config';
import type { LeaseConfigNode } from './lease-keeper';

export interface SerialPortNode extends Node {
  /** The parsed configuration, or undefined when it is invalid (see `configError`). */
  portConfig: SerialPortConfig | undefined;
  configError: LabbenchError | undefined;
}

export interface VisaConfigNode extends LeaseConfigNode<ScpiSession> {
  visaConfig: VisaConfig | undefined;
  configError: LabbenchError | undefined;
}

export interface WatlowConfigNode extends LeaseConfigNode<ByteStream> {
  watlowConfig: WatlowConfig | undefined;
  configError: LabbenchError | undefined;
  /** Name used in topics, samples and `msg.controllers`. */
  controllerName: string;
  portPath: string | undefined;
  /** The controller on the current lease (acquires it on first use; may throw a conflict). */
  controller(): WatlowController;
}

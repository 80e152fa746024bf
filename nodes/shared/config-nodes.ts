/** How flow nodes find the config nodes their properties name, and take the bus a port names. */
import type { NodeAPI } from 'node-red';
import { defaultRegistry, NotFoundError, type Lease } from '../../src/core';
import type { ByteStream } from '../../src/transport';
import { labbenchBackends } from './backends';
import { settingsOf, validOrUndefined, type SerialPortConfig } from './config';
import type { FlowNodeOptions } from './flow-node';
import { transportLib } from './libraries';
import type { SerialPortNode, VisaConfigNode } from './types';

/** The config node with this id, or null when none is chosen or it is missing or disabled. */
export function configNode<T>(RED: NodeAPI, id: string | undefined): T | null {
  return (id ? RED.nodes.getNode(id) : null) as T | null;
}

/** The labbench-visa node an instrument node uses, or the error saying none is usable. */
export function requireInstrument(config: VisaConfigNode | null, requester: string): VisaConfigNode {
  if (!config || !config.keeper) {
    throw new NotFoundError(
      `${requester} has no instrument: choose a labbench-visa config node in its properties (it may be missing, disabled or not deployed).`,
    );
  }
  return config;
}

/** The settings of the labbench-serial-port node a node uses, or the error saying why there are none. */
export function requireSerialPort(port: SerialPortNode | null, requester: string): SerialPortConfig {
  if (!port) {
    throw new NotFoundError(
      `${requester} has no serial port: choose a labbench-serial-port config node (it may be missing or disabled).`,
    );
  }
  return settingsOf(port.portConfig);
}

/**
 * The lease on the bus of a labbench-serial-port, claimed for `protocol` with the port's serial
 * settings (compared on local ports only: a device server's line settings are its own). The one
 * place the adapter opens a bus; the transports load on this first use.
 */
export function acquirePortBus(
  RED: NodeAPI,
  port: SerialPortConfig,
  protocol: string,
  holder: string,
): Lease<ByteStream> {
  return transportLib().acquireSerialBus(defaultRegistry, labbenchBackends(RED).openers, {
    path: port.path,
    settings: port.settings,
    protocol,
    holder,
  });
}

/** The FlowNode options of a node working on a labbench-visa instrument. */
export function onInstrument(
  config: VisaConfigNode | null,
): Pick<FlowNodeOptions, 'config' | 'missingConfigText' | 'errorContext'> {
  return {
    config,
    missingConfigText: 'common.status.noInstrument',
    errorContext: () => ({ resource: validOrUndefined(config?.visaConfig)?.resource }),
  };
}

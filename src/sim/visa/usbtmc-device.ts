/**
 * A simulated USBTMC (USB488) device behind the WebUSB-shaped interface the host side uses
 * (src/transport/usbtmc-types.ts), byte for byte: 12-byte Bulk headers with bTag / bTagInverse,
 * replies cut into wMaxPacketSize packets ending with a short (or zero-length) packet, bTag echo,
 * TransferSize limits (EOM only on the last transfer of a message), GET_CAPABILITIES, REN_CONTROL,
 * INITIATE_ABORT_BULK_IN / CHECK_ABORT_BULK_IN_STATUS, INITIATE_CLEAR / CHECK_CLEAR_STATUS.
 * A query the model never answers leaves the host's REQUEST_DEV_DEP_MSG_IN pending, so a read
 * times out and the host must abort it — as on hardware.
 */
import {
  HEADER_SIZE,
  MsgId,
  Request,
  Status,
  USBTMC_CLASS,
  USBTMC_SUBCLASS,
  decodeHeader,
  encodeCapabilities,
  encodeDevDepMsgInHeader,
  padTo4,
} from '../../transport/usbtmc-codec';
import type {
  UsbBackend,
  UsbConfigurationLike,
  UsbControlSetup,
  UsbDeviceLike,
  UsbDirection,
  UsbInResult,
  UsbOutResult,
} from '../../transport/usbtmc-types';
import type { ScpiDeviceModel } from '../../visa/types';
import { SimInstrumentPort } from './instrument-port';

export interface SimUsbtmcOptions {
  serial: string;
  vendorId?: number;
  productId?: number;
  manufacturer?: string;
  product?: string;
  /** wMaxPacketSize of the bulk endpoints: 64 (full speed, default) or 512 (high speed). */
  packetSize?: number;
  /** Advertise REN_CONTROL / GO_TO_LOCAL in GET_CAPABILITIES (default true). */
  acceptsRemoteLocal?: boolean;
  /**
   * Complete each transferIn after one packet, as a host stack that hands packets up one by one
   * would: exercises the host's "keep reading until TransferSize" loop.
   */
  onePacketPerTransferIn?: boolean;
  /** Another process holds the interface: claimInterface fails with "interface is busy". */
  busy?: boolean;
}

export interface SimUsbtmcStats {
  /** Every Bulk-OUT header seen: what the host sent, for byte-level assertions. */
  bulkOut: { msgId: number; bTag: number; transferSize: number; attributes: number }[];
  abortsIn: number;
  clears: number;
  clearHalts: number;
  remote: boolean | undefined;
  /** Bulk-IN transfers that needed more than one packet. */
  multiPacketTransfers: number;
}

const EP_OUT = 1;
const EP_IN = 2;
const EP_INTERRUPT = 3;

function viewOf(bytes: Buffer): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function usbError(message: string): Error {
  return new Error(message);
}

export class SimUsbtmcDevice implements UsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber: string;
  readonly manufacturerName: string;
  readonly productName: string;
  readonly configuration: UsbConfigurationLike;
  readonly configurations: UsbConfigurationLike[];
  readonly stats: SimUsbtmcStats = {
    bulkOut: [],
    abortsIn: 0,
    clears: 0,
    clearHalts: 0,
    remote: undefined,
    multiPacketTransfers: 0,
  };
  /** Set to simulate another owner of the interface (claim fails busy). */
  busy: boolean;

  private readonly packetSize: number;
  private readonly options: SimUsbtmcOptions;
  private port: SimInstrumentPort;
  private isOpen = false;
  private claimed = false;
  private plugged = true;
  /** Packets queued on the Bulk-IN endpoint (a zero-length Buffer is a ZLP). */
  private packets: Buffer[] = [];
  /** The REQUEST_DEV_DEP_MSG_IN being served or waiting for data. */
  private request: { bTag: number; maxSize: number } | undefined;
  private inWaiter: { wake(): void } | undefined;
  private clearChecks = 0;

  constructor(
    readonly model: ScpiDeviceModel,
    options: SimUsbtmcOptions,
  ) {
    this.options = options;
    this.vendorId = options.vendorId ?? model.usbIdentity?.vendorId ?? 0x05e6;
    this.productId = options.productId ?? model.usbIdentity?.productId ?? 0x2281;
    this.serialNumber = options.serial;
    this.manufacturerName = options.manufacturer ?? model.usbIdentity?.manufacturer ?? 'Keithley Instruments';
    this.productName = options.product ?? model.usbIdentity?.product ?? 'Simulated USBTMC instrument';
    this.packetSize = options.packetSize ?? 64;
    this.busy = options.busy ?? false;
    const alternate = {
      alternateSetting: 0,
      interfaceClass: USBTMC_CLASS,
      interfaceSubclass: USBTMC_SUBCLASS,
      interfaceProtocol: 0x01,
      endpoints: [
        {
          endpointNumber: EP_OUT,
          direction: 'out' as const,
          type: 'bulk' as const,
          packetSize: this.packetSize,
        },
        {
          endpointNumber: EP_IN,
          direction: 'in' as const,
          type: 'bulk' as const,
          packetSize: this.packetSize,
        },
        { endpointNumber: EP_INTERRUPT, direction: 'in' as const, type: 'interrupt' as const, packetSize: 2 },
      ],
    };
    this.configuration = {
      configurationValue: 1,
      interfaces: [{ interfaceNumber: 0, alternate, alternates: [alternate] }],
    };
    this.configurations = [this.configuration];
    this.port = this.newPort();
  }

  private newPort(): SimInstrumentPort {
    const port = new SimInstrumentPort(this.model);
    port.onOutput(() => this.serve());
    port.onFault(() => this.unplug());
    return port;
  }

  get opened(): boolean {
    return this.isOpen;
  }

  get isPlugged(): boolean {
    return this.plugged && (this.model.isConnected ? this.model.isConnected() !== false : true);
  }

  /** Pulls the cable: every call fails with "device disconnected" until `replug`. */
  unplug(): void {
    this.plugged = false;
    this.isOpen = false;
    this.unclaim();
    this.request = undefined;
    this.packets = [];
    this.port.close();
    this.inWaiter?.wake();
  }

  replug(): void {
    if (this.plugged) return;
    this.plugged = true;
    this.port = this.newPort();
  }

  private assertPlugged(): void {
    if (!this.isPlugged) throw usbError('device disconnected');
  }

  async open(): Promise<void> {
    this.assertPlugged();
    this.isOpen = true;
  }

  async close(): Promise<void> {
    this.isOpen = false;
    this.unclaim();
  }

  async selectConfiguration(value: number): Promise<void> {
    this.assertPlugged();
    if (value !== 1) throw usbError('selectConfiguration error: invalid configuration');
  }

  async detachKernelDriver(): Promise<void> {
    // The simulated bus has no kernel driver; real `usb` reports an error here too.
    throw usbError('no kernel driver attached');
  }

  async claimInterface(n: number): Promise<void> {
    this.assertPlugged();
    if (!this.isOpen) throw usbError('claimInterface error: invalid state');
    if (n !== 0) throw usbError('interface not found');
    if (this.busy || this.claimed) throw usbError('interface is busy');
    try {
      this.model.openSession?.();
    } catch (err) {
      // What `usb` 3.x says when the kernel driver or another process holds the interface.
      throw usbError(
        (err as { code?: string }).code === 'EBUSY' ? 'interface is busy' : 'device disconnected',
      );
    }
    this.claimed = true;
  }

  /** The claim ends: release, close, or the cable pulled. */
  private unclaim(): void {
    if (!this.claimed) return;
    this.claimed = false;
    this.model.closeSession?.();
  }

  async releaseInterface(): Promise<void> {
    this.unclaim();
  }

  async clearHalt(_direction: UsbDirection, _endpoint: number): Promise<void> {
    this.assertPlugged();
    this.stats.clearHalts++;
  }

  // --- Bulk-OUT ------------------------------------------------------------------------------------

  async transferOut(endpoint: number, data: Uint8Array): Promise<UsbOutResult> {
    this.assertPlugged();
    if (!this.claimed) throw usbError('transferOut error: invalid state');
    if (endpoint !== EP_OUT) throw usbError('transferOut error: endpoint not found');
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const header = decodeHeader(bytes);
    // USBTMC: a header whose bTagInverse does not match, or bTag 0, makes the device halt Bulk-OUT.
    if (!header || header.bTag === 0) return { bytesWritten: 0, status: 'stall' };
    this.stats.bulkOut.push({
      msgId: header.msgId,
      bTag: header.bTag,
      transferSize: header.transferSize,
      attributes: header.attributes,
    });
    if (this.stats.bulkOut.length > 1000) this.stats.bulkOut.shift();
    if (header.msgId === MsgId.DEV_DEP_MSG_OUT) {
      if (bytes.length % 4 !== 0 || bytes.length < HEADER_SIZE + header.transferSize)
        return { bytesWritten: 0, status: 'stall' };
      const payload = bytes.subarray(HEADER_SIZE, HEADER_SIZE + header.transferSize);
      this.port.input(Buffer.from(payload), (header.attributes & 0x01) !== 0);
    } else if (header.msgId === MsgId.REQUEST_DEV_DEP_MSG_IN) {
      this.request = { bTag: header.bTag, maxSize: header.transferSize };
      this.serve();
    } else {
      return { bytesWritten: 0, status: 'stall' };
    }
    return { bytesWritten: bytes.length, status: 'ok' };
  }

  /** Answers the pending REQUEST_DEV_DEP_MSG_IN once the instrument has output. */
  private serve(): void {
    const request = this.request;
    if (!request || !this.port.hasOutput || this.packets.length > 0) return;
    this.request = undefined;
    const { data, end } = this.port.take(request.maxSize);
    const transfer = Buffer.concat([
      encodeDevDepMsgInHeader(request.bTag, data.length, end),
      data,
      Buffer.alloc(padTo4(data.length)),
    ]);
    for (let offset = 0; offset < transfer.length; offset += this.packetSize) {
      this.packets.push(transfer.subarray(offset, offset + this.packetSize));
    }
    // A transfer that fills its last packet exactly is ended by a zero-length packet.
    if (transfer.length % this.packetSize === 0) this.packets.push(Buffer.alloc(0));
    if (transfer.length > this.packetSize) this.stats.multiPacketTransfers++;
    this.inWaiter?.wake();
  }

  // --- Bulk-IN -------------------------------------------------------------------------------------

  async transferIn(endpoint: number, length: number, timeout = 1000): Promise<UsbInResult> {
    this.assertPlugged();
    if (!this.claimed) throw usbError('transferIn error: invalid state');
    if (endpoint !== EP_IN) throw usbError('transferIn error: endpoint not found');
    if (this.inWaiter) throw usbError('a transfer is already pending');
    if (this.packets.length === 0) {
      const arrived = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.inWaiter = undefined;
          resolve(false);
        }, timeout);
        this.inWaiter = {
          wake: () => {
            clearTimeout(timer);
            this.inWaiter = undefined;
            resolve(true);
          },
        };
      });
      this.assertPlugged();
      if (!arrived || this.packets.length === 0) throw usbError('transferIn error: timed out');
    }
    // Whole packets until `length` is reached or a short packet ends the transfer. Like `usb` 3.x,
    // data beyond `length` within a packet is lost (hosts must ask for packet multiples).
    const out: Buffer[] = [];
    let size = 0;
    while (this.packets.length > 0 && size < length) {
      const packet = this.packets.shift()!;
      const keep = packet.subarray(0, length - size);
      out.push(keep);
      size += keep.length;
      if (packet.length < this.packetSize || this.options.onePacketPerTransferIn) break;
    }
    // The endpoint is free again: a request that arrived meanwhile can be answered now.
    if (this.packets.length === 0) this.serve();
    return { status: 'ok', data: viewOf(Buffer.concat(out, size)) };
  }

  // --- control requests -------------------------------------------------------------------------

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInResult> {
    this.assertPlugged();
    const reply = this.classRequest(setup);
    if (!reply) return { status: 'stall' };
    return { status: 'ok', data: viewOf(reply.subarray(0, length)) };
  }

  async controlTransferOut(): Promise<UsbOutResult> {
    this.assertPlugged();
    // USBTMC has no host-to-device class requests with data; a real device stalls them.
    return { bytesWritten: 0, status: 'stall' };
  }

  private classRequest(setup: UsbControlSetup): Buffer | undefined {
    if (setup.requestType !== 'class') return undefined;
    const ok = Buffer.from([Status.SUCCESS]);
    if (setup.recipient === 'interface') {
      if (setup.index !== 0) return undefined;
      switch (setup.request) {
        case Request.GET_CAPABILITIES:
          return encodeCapabilities(Status.SUCCESS, {
            bcdUsbtmc: 0x0100,
            bcdUsb488: 0x0100,
            usb488Interface488_2: true,
            acceptsRemoteLocal: this.options.acceptsRemoteLocal ?? true,
            acceptsTrigger: true,
            scpi: true,
            sr1: true,
            rl1: true,
            dt1: true,
          });
        case Request.INITIATE_CLEAR:
          this.stats.clears++;
          this.request = undefined;
          this.packets = [];
          this.port.clear();
          // Report PENDING once, as a device busy clearing would, so the host's poll is exercised.
          this.clearChecks = 1;
          return ok;
        case Request.CHECK_CLEAR_STATUS:
          if (this.clearChecks > 0) {
            this.clearChecks--;
            return Buffer.from([Status.PENDING, 0]);
          }
          return Buffer.from([Status.SUCCESS, 0]);
        case Request.REN_CONTROL:
          this.stats.remote = setup.value === 1;
          this.model.setRemote?.(setup.value === 1);
          return ok;
        case Request.GO_TO_LOCAL:
          this.stats.remote = false;
          this.model.setRemote?.(false);
          return ok;
        default:
          return undefined;
      }
    }
    if (setup.recipient === 'endpoint') {
      if (setup.request === Request.INITIATE_ABORT_BULK_IN && setup.index === (0x80 | EP_IN)) {
        const tag = setup.value & 0xff;
        const requestPending = this.request !== undefined && this.request.bTag === tag;
        const sending = this.packets.length > 0;
        if (!requestPending && !sending) return Buffer.from([Status.TRANSFER_NOT_IN_PROGRESS, tag]);
        this.stats.abortsIn++;
        this.request = undefined;
        // The aborted transfer ends with a short packet; the rest of the reply is discarded.
        this.packets = [Buffer.alloc(0)];
        this.inWaiter?.wake();
        return Buffer.from([Status.SUCCESS, tag]);
      }
      if (setup.request === Request.CHECK_ABORT_BULK_IN_STATUS) {
        const inFifo = this.packets.length > 0 ? 1 : 0;
        return Buffer.from([inFifo ? Status.PENDING : Status.SUCCESS, inFifo, 0, 0, 0, 0, 0, 0]);
      }
      if (
        setup.request === Request.INITIATE_ABORT_BULK_OUT ||
        setup.request === Request.CHECK_ABORT_BULK_OUT_STATUS
      ) {
        return Buffer.from([Status.TRANSFER_NOT_IN_PROGRESS, 0, 0, 0, 0, 0, 0, 0]);
      }
    }
    return undefined;
  }
}

/** A UsbBackend listing the given simulated devices (the unplugged ones vanish, as on a bus). */
export function createSimUsbBackend(devices: readonly SimUsbtmcDevice[]): UsbBackend {
  return { getDevices: async () => devices.filter((d) => d.isPlugged) };
}

/**
 * The slice of WebUSB the USBTMC layer uses, so the `usb` package (3.x, WebUSB-style) and the
 * simulated USBTMC device (src/sim/visa) are interchangeable. Shapes follow WebUSB / `usb` 3.1.0.
 */

export type UsbDirection = 'in' | 'out';
export type UsbEndpointType = 'bulk' | 'interrupt' | 'isochronous';

export interface UsbEndpointLike {
  /** Endpoint number without the direction bit (WebUSB convention). */
  endpointNumber: number;
  direction: UsbDirection;
  type: UsbEndpointType;
  packetSize: number;
}

export interface UsbAlternateLike {
  alternateSetting: number;
  interfaceClass: number;
  interfaceSubclass: number;
  interfaceProtocol: number;
  endpoints: UsbEndpointLike[];
}

export interface UsbInterfaceLike {
  interfaceNumber: number;
  alternate: UsbAlternateLike;
  alternates: UsbAlternateLike[];
  claimed?: boolean;
}

export interface UsbConfigurationLike {
  configurationValue: number;
  interfaces: UsbInterfaceLike[];
}

export interface UsbControlSetup {
  requestType: 'standard' | 'class' | 'vendor';
  recipient: 'device' | 'interface' | 'endpoint' | 'other';
  request: number;
  value: number;
  index: number;
}

export interface UsbInResult {
  data?: DataView;
  status: 'ok' | 'stall' | 'babble';
}

export interface UsbOutResult {
  bytesWritten: number;
  status: 'ok' | 'stall';
}

export interface UsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber?: string | null;
  readonly manufacturerName?: string | null;
  readonly productName?: string | null;
  readonly opened: boolean;
  /** The active configuration; undefined/null (or a throwing getter) while unconfigured. */
  readonly configuration?: UsbConfigurationLike | null;
  readonly configurations?: UsbConfigurationLike[];
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration?(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface?(interfaceNumber: number): Promise<void>;
  /** Linux only in `usb` 3.x; the kernel `usbtmc` driver must let go before we can claim. */
  detachKernelDriver?(interfaceNumber: number): Promise<void>;
  /** `timeout` is the `usb` 3.x extension (ms, default 1000 there). */
  controlTransferIn(setup: UsbControlSetup, length: number, timeout?: number): Promise<UsbInResult>;
  controlTransferOut(setup: UsbControlSetup, data?: Uint8Array, timeout?: number): Promise<UsbOutResult>;
  /** `length` should be a multiple of the packet size: `usb` 3.x truncates to it silently. */
  transferIn(endpointNumber: number, length: number, timeout?: number): Promise<UsbInResult>;
  transferOut(endpointNumber: number, data: Uint8Array, timeout?: number): Promise<UsbOutResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;
}

/** Where devices come from: the `usb` package, or a list of simulated devices. */
export interface UsbBackend {
  /** Rejects where the platform has no USB access (containers without /sys/bus/usb). */
  getDevices(): Promise<UsbDeviceLike[]>;
}

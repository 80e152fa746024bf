/**
 * USBTMC (USB488) host side over a WebUSB-shaped device (usbtmc-types.ts), once the interface is
 * claimed (usbtmc-claim.ts): REN_CONTROL, DEV_DEP_MSG_OUT writes, REQUEST_DEV_DEP_MSG_IN reads of
 * any length (multi-packet and multi-transfer, until EOM), abort-IN after a timeout, and device
 * clear. Loading `usb` and mapping its errors live in usb-backend.ts.
 */
import { DisconnectedError, LabbenchError, ProtocolError, TimeoutError } from '../core/errors';
import { MAX_RESPONSE_BYTES } from './block-header';
import type { MessageTransport } from './message';
import { dataOf, isUsbTimeout, mapUsbError } from './usb-backend';
import { CONTROL_TIMEOUT_MS, claimUsbtmc, findUsbtmcDevice } from './usbtmc-claim';
import type { UsbtmcAddress } from './usbtmc-claim';
import {
  HEADER_SIZE,
  MsgId,
  Request,
  Status,
  bulkInRequestLength,
  decodeHeader,
  encodeDevDepMsgOut,
  encodeRequestDevDepMsgIn,
  nextBTag,
  statusName,
} from './usbtmc-codec';
import type { UsbtmcCapabilities } from './usbtmc-codec';
import type { UsbBackend, UsbControlSetup, UsbDeviceLike, UsbEndpointLike } from './usbtmc-types';

/** Largest reply payload asked for per REQUEST_DEV_DEP_MSG_IN (pyvisa-py uses 20 KiB too). */
const DEFAULT_MAX_TRANSFER = 20 * 1024;
/** A reply larger than this (the binary-block cap plus slack) is a runaway device, not a SCPI answer. */
const MAX_MESSAGE = MAX_RESPONSE_BYTES;
/** Extra time the native transfer gets to honour its own timeout before our guard gives up. */
const NATIVE_GUARD_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface UsbtmcOpenOptions {
  label: string;
  /** Timeout for the open sequence and for writes, ms. */
  timeoutMs: number;
  /** USB implementation (the `usb` package, or simulated USBTMC devices): given by the opener table. */
  backend: UsbBackend;
  /** Largest payload per REQUEST_DEV_DEP_MSG_IN (default 20 KiB). */
  maxTransferSize?: number;
}

/** Counters a test (or a curious user) can read: what the transport had to do. */
export interface UsbtmcStats {
  abortsIn: number;
  clears: number;
  staleTransfersDropped: number;
}

export class UsbtmcTransport implements MessageTransport {
  readonly clearsDevice = true;
  readonly stats: UsbtmcStats = { abortsIn: 0, clears: 0, staleTransfersDropped: 0 };
  private bTag = 0;
  private closed = false;
  /** A transferIn we stopped waiting for (timeout/abort) that the device may still complete. */
  private pendingIn: Promise<Buffer> | undefined;

  private constructor(
    readonly label: string,
    private readonly device: UsbDeviceLike,
    private readonly interfaceNumber: number,
    private readonly bulkOut: UsbEndpointLike,
    private readonly bulkIn: UsbEndpointLike,
    readonly capabilities: UsbtmcCapabilities | undefined,
    private readonly maxTransfer: number,
    private readonly writeTimeoutMs: number,
  ) {}

  /** Opens and claims `device` (already found) and prepares it for messages. */
  static async open(
    device: UsbDeviceLike,
    options: UsbtmcOpenOptions & { interfaceNumber?: number },
  ): Promise<UsbtmcTransport> {
    const c = await claimUsbtmc(device, options.label, options.interfaceNumber);
    const transport = new UsbtmcTransport(
      options.label,
      c.device,
      c.interfaceNumber,
      c.bulkOut,
      c.bulkIn,
      c.capabilities,
      options.maxTransferSize ?? DEFAULT_MAX_TRANSFER,
      options.timeoutMs,
    );
    // Whether the 2281S advertises REN/GTL is UNVERIFIED: only assert remote when it says so.
    if (c.capabilities?.acceptsRemoteLocal) await transport.renControl(true).catch(() => undefined);
    return transport;
  }

  private tag(): number {
    this.bTag = nextBTag(this.bTag);
    return this.bTag;
  }

  private setup(
    request: number,
    recipient: 'interface' | 'endpoint',
    value: number,
    index: number,
  ): UsbControlSetup {
    return { requestType: 'class', recipient, request, value, index };
  }

  private async controlIn(
    request: number,
    recipient: 'interface' | 'endpoint',
    value: number,
    index: number,
    length: number,
  ): Promise<Buffer> {
    try {
      const r = await this.device.controlTransferIn(
        this.setup(request, recipient, value, index),
        length,
        CONTROL_TIMEOUT_MS,
      );
      if (r.status !== 'ok')
        throw new ProtocolError(`${this.label} stalled class request ${request}.`, { resource: this.label });
      return dataOf(r);
    } catch (err) {
      throw mapUsbError(err, this.label, `USBTMC request ${request}`);
    }
  }

  /** REN_CONTROL (USB488): remote on open when the device accepts it. */
  async renControl(enable: boolean): Promise<void> {
    await this.controlIn(Request.REN_CONTROL, 'interface', enable ? 1 : 0, this.interfaceNumber, 1);
  }

  async write(data: Buffer, signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    if (signal?.aborted) throw signal.reason;
    // pyvisa-py cuts messages into wMaxPacketSize-sized transfers, each with its own bTag and EOM
    // only on the last; that is the well-trodden path on real instruments, so we do the same.
    const chunk = this.bulkOut.packetSize;
    let offset = 0;
    do {
      const piece = data.subarray(offset, offset + chunk);
      offset += piece.length;
      const bTag = this.tag();
      const frame = encodeDevDepMsgOut(bTag, piece, offset >= data.length);
      await this.transferOut(frame, this.writeTimeoutMs);
    } while (offset < data.length);
  }

  private async transferOut(frame: Buffer, timeoutMs: number): Promise<void> {
    let result;
    try {
      result = await this.device.transferOut(this.bulkOut.endpointNumber, frame, timeoutMs);
    } catch (err) {
      const mapped = mapUsbError(err, this.label, 'Writing');
      if (mapped instanceof TimeoutError) {
        throw new TimeoutError(`${this.label} did not accept a command within ${timeoutMs} ms.`, {
          resource: this.label,
          cause: err,
        });
      }
      throw mapped;
    }
    if (result.status === 'stall') {
      await this.device.clearHalt('out', this.bulkOut.endpointNumber).catch(() => undefined);
      throw new ProtocolError(
        `${this.label} stalled the command (Bulk-OUT halt cleared). Try again; if it persists, power-cycle the instrument.`,
        {
          resource: this.label,
        },
      );
    }
  }

  /**
   * One bulk-IN transfer of `length` bytes, never waiting past `timeoutMs` (+ a guard for native
   * calls that ignore their timeout). On our timeout the native call may still be running: it is
   * remembered as `pendingIn`, and the abort sequence collects it instead of stacking another.
   */
  private bulkInOnce(length: number, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    const pending =
      this.pendingIn ??
      this.device
        .transferIn(this.bulkIn.endpointNumber, length, Math.max(1, Math.round(timeoutMs)))
        .then(async (r) => {
          if (r.status === 'stall') {
            await this.device.clearHalt('in', this.bulkIn.endpointNumber).catch(() => undefined);
            throw new ProtocolError(`${this.label} stalled a reply (Bulk-IN halt cleared).`, {
              resource: this.label,
            });
          }
          return dataOf(r);
        });
    this.pendingIn = undefined;
    pending.catch(() => undefined);
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const giveUp = (err: unknown): void =>
        finish(() => {
          this.pendingIn = pending;
          // Forget it once it settles, so a later read does not collect a stale result.
          void pending.then(
            () => {
              if (this.pendingIn === pending) this.pendingIn = undefined;
            },
            () => {
              if (this.pendingIn === pending) this.pendingIn = undefined;
            },
          );
          reject(err);
        });
      const onAbort = (): void => giveUp(signal?.reason);
      const guard = setTimeout(
        () =>
          giveUp(
            new TimeoutError(`No reply from ${this.label} within ${Math.round(timeoutMs)} ms.`, {
              resource: this.label,
            }),
          ),
        timeoutMs + NATIVE_GUARD_MS,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (buf) => finish(() => resolve(buf)),
        (err) =>
          finish(() =>
            reject(
              isUsbTimeout(err)
                ? new TimeoutError(`No reply from ${this.label} within ${Math.round(timeoutMs)} ms.`, {
                    resource: this.label,
                    cause: err,
                  })
                : mapUsbError(err, this.label, 'Reading'),
            ),
          ),
      );
    });
  }

  async read(timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    this.assertOpen();
    const deadline = Date.now() + timeoutMs;
    const remaining = (): number => Math.max(1, deadline - Date.now());
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const bTag = this.tag();
      await this.transferOut(
        encodeRequestDevDepMsgIn(bTag, this.maxTransfer),
        Math.min(this.writeTimeoutMs, remaining()),
      );
      let result: { payload: Buffer; eom: boolean };
      try {
        result = await this.readTransfer(bTag, remaining, signal);
      } catch (err) {
        if (err instanceof TimeoutError || signal?.aborted) {
          // The device may still hold our request: abort it so the next one starts clean.
          await this.abortBulkIn(bTag);
        }
        throw err;
      }
      parts.push(result.payload);
      total += result.payload.length;
      if (result.eom) return Buffer.concat(parts, total);
      if (total > MAX_MESSAGE) {
        await this.abortBulkIn(bTag);
        throw new ProtocolError(
          `${this.label} sent more than ${MAX_MESSAGE} bytes without ending the message.`,
          { resource: this.label },
        );
      }
    }
  }

  /** Reads one DEV_DEP_MSG_IN transfer answering `bTag`: header packet, then payload packets. */
  private async readTransfer(
    bTag: number,
    remaining: () => number,
    signal?: AbortSignal,
  ): Promise<{ payload: Buffer; eom: boolean }> {
    const packet = this.bulkIn.packetSize;
    for (let attempt = 0; ; attempt++) {
      let first = await this.bulkInOnce(bulkInRequestLength(this.maxTransfer, packet), remaining(), signal);
      // A zero-length packet left over from an earlier transfer that ended on a packet boundary.
      let skipped = 0;
      while (first.length === 0 && skipped++ < 4)
        first = await this.bulkInOnce(bulkInRequestLength(this.maxTransfer, packet), remaining(), signal);
      const header = decodeHeader(first);
      if (!header || header.msgId !== MsgId.DEV_DEP_MSG_IN) {
        throw new ProtocolError(`${this.label} sent a reply without a valid USBTMC header.`, {
          resource: this.label,
        });
      }
      let data = first.subarray(HEADER_SIZE);
      const wanted = header.transferSize;
      // Devices split long transfers over several transferIn completions (short packet per
      // completion, or a driver that hands packets up one by one): collect up to TransferSize.
      let last = first.length;
      const chunks = [data];
      let have = data.length;
      while (have < wanted) {
        if (last % packet !== 0 && last < bulkInRequestLength(this.maxTransfer, packet)) {
          // The transfer ended with a short packet before TransferSize bytes: a truncated reply.
          break;
        }
        const more = await this.bulkInOnce(bulkInRequestLength(wanted - have, packet), remaining(), signal);
        if (more.length === 0) break;
        chunks.push(more);
        have += more.length;
        last = more.length;
      }
      data = Buffer.concat(chunks, have).subarray(0, Math.min(have, wanted));
      if (header.bTag !== bTag) {
        // The answer to a request we already gave up on (abort raced with the device): drop it.
        this.stats.staleTransfersDropped++;
        if (attempt >= 2)
          throw new ProtocolError(
            `${this.label} keeps answering an old request (bTag ${header.bTag}, expected ${bTag}).`,
            { resource: this.label },
          );
        continue;
      }
      if (data.length < wanted) {
        throw new ProtocolError(`${this.label} announced ${wanted} bytes but sent ${data.length}.`, {
          resource: this.label,
        });
      }
      return { payload: data, eom: (header.attributes & 0x01) !== 0 };
    }
  }

  /**
   * Abort-IN after a failed or timed-out read (USBTMC §4.2.1.4): INITIATE_ABORT_BULK_IN with the
   * request's bTag; on SUCCESS read until the short packet that ends the aborted transfer, then
   * poll CHECK_ABORT_BULK_IN_STATUS while PENDING. Best effort except for device-gone errors.
   */
  private async abortBulkIn(bTag: number): Promise<void> {
    this.stats.abortsIn++;
    const endpointAddress = 0x80 | this.bulkIn.endpointNumber;
    try {
      const initiate = await this.controlIn(
        Request.INITIATE_ABORT_BULK_IN,
        'endpoint',
        bTag,
        endpointAddress,
        2,
      );
      if (initiate[0] !== Status.SUCCESS) {
        // FAILED / TRANSFER_NOT_IN_PROGRESS: nothing of ours is in the device's FIFO.
        this.pendingIn = undefined;
        return;
      }
      await this.drainShortPacket();
      for (let i = 0; i < 50; i++) {
        const check = await this.controlIn(
          Request.CHECK_ABORT_BULK_IN_STATUS,
          'endpoint',
          0,
          endpointAddress,
          8,
        );
        if (check[0] !== Status.PENDING) return;
        if ((check[1] & 0x01) !== 0) await this.drainShortPacket();
        else await sleep(10);
      }
    } catch (err) {
      if (err instanceof DisconnectedError) throw err;
      // The abort is housekeeping: the caller's own error (the timeout) is the one to report.
    }
  }

  /** Reads and discards Bulk-IN data until a short packet (bounded). */
  private async drainShortPacket(): Promise<void> {
    const packet = this.bulkIn.packetSize;
    for (let i = 0; i < 64; i++) {
      let chunk: Buffer;
      try {
        chunk = await this.bulkInOnce(packet, 200);
      } catch (err) {
        if (err instanceof TimeoutError) return;
        throw err;
      }
      if (chunk.length % packet !== 0 || chunk.length === 0) return;
    }
  }

  /** Device clear (USBTMC INITIATE_CLEAR / CHECK_CLEAR_STATUS, then clear the Bulk-OUT halt). */
  async clear(): Promise<void> {
    this.assertOpen();
    this.stats.clears++;
    const initiate = await this.controlIn(Request.INITIATE_CLEAR, 'interface', 0, this.interfaceNumber, 1);
    if (initiate[0] !== Status.SUCCESS) {
      throw new ProtocolError(`${this.label} refused a device clear (${statusName(initiate[0])}).`, {
        resource: this.label,
      });
    }
    for (let i = 0; i < 100; i++) {
      const check = await this.controlIn(Request.CHECK_CLEAR_STATUS, 'interface', 0, this.interfaceNumber, 2);
      if (check[0] !== Status.PENDING) break;
      if ((check[1] & 0x01) !== 0) await this.drainShortPacket();
      else await sleep(20);
    }
    try {
      await this.device.clearHalt('out', this.bulkOut.endpointNumber);
    } catch (err) {
      throw mapUsbError(err, this.label, 'Clearing the Bulk-OUT halt');
    }
    this.pendingIn = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.device.releaseInterface?.(this.interfaceNumber).catch(() => undefined);
    await this.device.close().catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed)
      throw new LabbenchError('E_CLOSED', `The USB link to ${this.label} is closed.`, {
        resource: this.label,
      });
  }
}

/** Finds the instrument by VID/PID/serial (serial compared case-insensitively) and opens it. */
export async function openUsbtmcTransport(
  resource: UsbtmcAddress,
  options: UsbtmcOpenOptions,
): Promise<UsbtmcTransport> {
  const device = await findUsbtmcDevice(resource, options.backend, options.label);
  return UsbtmcTransport.open(device, { ...options, interfaceNumber: resource.usbInterface });
}

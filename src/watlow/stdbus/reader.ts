/**
 * Reply matching for one Std Bus transaction, on top of the scanner.
 * Accepts only a reply frame (type 06) addressed to us from the controller we asked, whose
 * service and echoed selector match the request. Everything else is classified and skipped:
 * our own request echoed by an adapter that hears itself, a late reply to an earlier request,
 * another master's traffic, and corrupt frames (counted, so the client can tell "garbled" from
 * "silent" and fail fast when the corrupt frame was plainly our reply).
 */
import type { StdBusFrame } from './frame';
import { FRAME_TYPE_REQUEST, FRAME_TYPE_RESPONSE, HOST_MAC, macOfAddress } from './frame';
import type { StdBusRequest, StdBusResponse } from './payload';
import { decodeResponse } from './payload';
import { StdBusScanner } from './scanner';
import type { ProtocolError } from '../../core/errors';
import { hex } from '../types';

export interface StdBusReplyReaderStats {
  echoes: number;
  stale: number;
  foreign: number;
  corrupt: number;
  garbageBytes: number;
}

export class StdBusReplyReader {
  readonly stats: StdBusReplyReaderStats = { echoes: 0, stale: 0, foreign: 0, corrupt: 0, garbageBytes: 0 };
  /** Description of the last defect seen, for the error message if the transaction fails. */
  lastDefect: string | undefined;
  /** True once a frame from our controller arrived with a valid header but a bad data CRC: our reply is lost. */
  replyCorrupted = false;
  private readonly scanner = new StdBusScanner();
  private readonly controllerMac: number;

  /** See ReplyReader.echoObserved: a Std Bus request never looks like its reply. */
  get echoObserved(): boolean {
    return this.stats.echoes > 0;
  }

  constructor(
    private readonly address: number,
    private readonly request: StdBusRequest,
  ) {
    this.controllerMac = macOfAddress(address);
  }

  /** Feeds received bytes; returns the matching reply once it is complete. */
  push(chunk: Uint8Array): StdBusResponse | undefined {
    let reply: StdBusResponse | undefined;
    for (const event of this.scanner.push(chunk)) {
      if (reply !== undefined) continue; // bytes after our reply are someone else's problem
      switch (event.kind) {
        case 'garbage':
          this.stats.garbageBytes += event.bytes.length;
          break;
        case 'truncated':
          this.stats.corrupt++;
          this.lastDefect = `incomplete frame ${hex(event.bytes)} before a complete one`;
          break;
        case 'badHeaderCrc':
        case 'badLength':
          this.stats.corrupt++;
          this.lastDefect = `${event.kind === 'badHeaderCrc' ? 'bad header CRC' : 'impossible length'} in ${hex(event.bytes)}`;
          break;
        case 'badDataCrc':
          this.stats.corrupt++;
          this.lastDefect = `bad data CRC in ${hex(event.bytes)}`;
          if (event.frameType === FRAME_TYPE_RESPONSE && event.source === this.controllerMac)
            this.replyCorrupted = true;
          break;
        case 'frame':
          reply = this.classify(event.frame, event.bytes);
          break;
      }
    }
    return reply;
  }

  private classify(frame: StdBusFrame, bytes: Buffer): StdBusResponse | undefined {
    if (frame.frameType === FRAME_TYPE_REQUEST && frame.source === HOST_MAC) {
      // Our own request (or another host request) heard back through a half-duplex adapter.
      this.stats.echoes++;
      return undefined;
    }
    if (
      frame.frameType !== FRAME_TYPE_RESPONSE ||
      frame.destination !== HOST_MAC ||
      frame.source !== this.controllerMac
    ) {
      this.stats.foreign++;
      return undefined;
    }
    let response: StdBusResponse;
    try {
      response = decodeResponse(frame.payload);
    } catch (err) {
      this.stats.corrupt++;
      this.lastDefect = `${(err as ProtocolError).message} in ${hex(bytes)}`;
      this.replyCorrupted = true;
      return undefined;
    }
    if (response.kind === 'error' || response.kind === 'unrecognised') return response; // no selector to compare
    const expectedKind = this.request.service;
    const want = this.request.selector;
    const got = response.selector;
    if (
      response.kind !== expectedKind ||
      got.cls !== want.cls ||
      got.member !== want.member ||
      got.instance !== want.instance
    ) {
      // A late reply to an earlier (timed-out) request: skip it and keep waiting for ours.
      this.stats.stale++;
      this.lastDefect = `reply for another request (${hex(bytes)})`;
      return undefined;
    }
    return response;
  }

  /** The controller address this reader waits for (for messages). */
  get controllerAddress(): number {
    return this.address;
  }
}

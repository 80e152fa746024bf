/**
 * HiSLIP client (`TCPIP::host::hislip0[,port]::INSTR`, IVI-6.1): a synchronous channel for
 * Data / DataEnd messages and a second TCP connection, the asynchronous channel, for device
 * clear, max-message-size negotiation, remote/local and locks. The framing is in
 * hislip-codec.ts; one connection is a HislipChannel.
 *
 * MessageIDs start at 0xffffff00 and grow by 2 per Data/DataEnd sent; a reply is accepted only
 * when it carries the ID of our last message (or 0xffffffff), so a late answer to an earlier
 * query is skipped, not returned. Verified against pyvisa-py and our simulator only (docs/visa.md).
 */
import type { LabbenchError } from '../core/errors';
import { BusyError, ClosedError, ProtocolError } from '../core/errors';
import {
  ErrorCode,
  FEATURE_OVERLAPPED,
  HISLIP_ANY_MESSAGE_ID,
  HISLIP_HEADER_SIZE,
  HISLIP_INITIAL_MESSAGE_ID,
  HISLIP_PROTOCOL_VERSION,
  LockResult,
  MessageType,
  RemoteLocal,
  decodeSize64,
  encodeSize64,
  errorText,
  messageTypeName,
  nextMessageId,
} from './hislip-codec';
import type { HislipMessage, RemoteLocalRequest } from './hislip-codec';
import { HislipChannel } from './hislip-channel';
import type { MessageTransport } from './message';
import { connectTcp } from './tcp';
import { LinkLife } from './link-life';

export type { RemoteLocalRequest } from './hislip-codec';

export interface HislipOpenOptions {
  host: string;
  /** TCP port of the HiSLIP server (4880 unless the resource says `hislip0,<port>`). */
  port?: number;
  /** Sub-address asked for in Initialize, e.g. hislip0. */
  subAddress?: string;
  /** Human form for messages, e.g. TCPIP0::10.0.0.5::hislip0,4880::INSTR. */
  label: string;
  /** Connect / handshake / control-message timeout, ms. */
  timeoutMs: number;
  /**
   * Largest message we accept from the server (announced with AsyncMaxMsgSize). Larger replies
   * arrive as several Data messages. Default 16 MiB (fewer messages per big block; memory is
   * bounded by maxReplyBytes either way).
   */
  maxMessageSize?: number;
  /** Cap on one whole reply (all Data messages up to DataEnd). Default 64 MiB + 4 KiB. */
  maxReplyBytes?: number;
  /** Ask for this mode with a device clear after opening when the server starts in the other. */
  mode?: 'overlapped' | 'synchronized';
}

const DEFAULT_MAX_MESSAGE = 16 << 20;
/** The binary-block cap (64 MiB) plus slack for the block header and terminator. */
const DEFAULT_MAX_REPLY = (64 << 20) + 4096;
/** Async-channel answers carry no big payloads; anything larger is a broken server. */
const ASYNC_MAX_PAYLOAD = 64 * 1024;
/** Two ASCII letters in Initialize, identifying the client vendor ("LB", labbench). */
const VENDOR_ID = 0x4c42;

/** Messages the server may send on the async channel at any time; skipped while awaiting an answer. */
const UNSOLICITED_ASYNC = new Set<number>([MessageType.AsyncServiceRequest, MessageType.AsyncInterrupted]);

export interface HislipLockInfo {
  /** True when some client holds the exclusive lock. */
  exclusive: boolean;
  /** How many clients hold a lock (exclusive or shared). */
  holders: number;
}

export class HislipTransport implements MessageTransport {
  readonly clearsDevice = true;
  private messageId = HISLIP_INITIAL_MESSAGE_ID;
  /** The ID of our last Data/DataEnd; replies must carry it. */
  private lastSentId: number | undefined;
  /** True once a whole reply (DataEnd) was read since our last message: the RMT-delivered bit. */
  private rmtDelivered = false;
  /** Data of the current reply read so far, kept across a timed-out read. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** One async-channel request at a time (their answers are not tagged). */
  private asyncChain: Promise<unknown> = Promise.resolve();
  private readonly life = new LinkLife();

  private constructor(
    readonly label: string,
    private readonly sync: HislipChannel,
    private readonly async: HislipChannel,
    /** Session ID the server assigned in InitializeResponse. */
    readonly sessionId: number,
    /** Server's protocol version (major << 8 | minor). */
    readonly serverVersion: number,
    private overlappedMode: boolean,
    /** Largest message the server accepts (AsyncMaxMsgSizeResponse). */
    readonly serverMaxMessageSize: number,
    private readonly timeoutMs: number,
    private readonly maxReplyBytes: number,
  ) {
    const onDeath = (err: LabbenchError): void => this.died(err);
    sync.onDeath(onDeath);
    async.onDeath(onDeath);
  }

  /** True in overlapped mode, false in synchronized mode (as negotiated). */
  get overlapped(): boolean {
    return this.overlappedMode;
  }

  static async open(options: HislipOpenOptions): Promise<HislipTransport> {
    const { host, label, timeoutMs } = options;
    const port = options.port ?? 4880;
    const maxMessageSize = Math.max(HISLIP_HEADER_SIZE + 256, options.maxMessageSize ?? DEFAULT_MAX_MESSAGE);
    const sync = new HislipChannel(
      await connectTcp({ host, port, label, timeoutMs }),
      label,
      'synchronous',
      1024,
    );
    let async: HislipChannel | undefined;
    try {
      const subAddress = Buffer.from(options.subAddress ?? 'hislip0', 'latin1');
      await sync.send(
        MessageType.Initialize,
        0,
        ((HISLIP_PROTOCOL_VERSION << 16) | VENDOR_ID) >>> 0,
        subAddress,
      );
      const init = expect(
        await sync.next(timeoutMs, undefined, 'InitializeResponse'),
        MessageType.InitializeResponse,
        label,
      );
      const sessionId = init.parameter & 0xffff;
      const serverVersion = init.parameter >>> 16;
      async = new HislipChannel(
        await connectTcp({ host, port, label, timeoutMs }),
        label,
        'asynchronous',
        ASYNC_MAX_PAYLOAD,
      );
      await async.send(MessageType.AsyncInitialize, 0, sessionId);
      expect(
        await async.next(timeoutMs, undefined, 'AsyncInitializeResponse'),
        MessageType.AsyncInitializeResponse,
        label,
      );
      await async.send(MessageType.AsyncMaxMsgSize, 0, 0, encodeSize64(maxMessageSize));
      const sizeReply = expect(
        await async.next(timeoutMs, undefined, 'AsyncMaxMsgSizeResponse'),
        MessageType.AsyncMaxMsgSizeResponse,
        label,
      );
      sync.setMaxPayload(maxMessageSize);
      const transport = new HislipTransport(
        label,
        sync,
        async,
        sessionId,
        serverVersion,
        (init.control & FEATURE_OVERLAPPED) !== 0,
        decodeSize64(sizeReply.payload),
        timeoutMs,
        options.maxReplyBytes ?? DEFAULT_MAX_REPLY,
      );
      if (options.mode !== undefined && (options.mode === 'overlapped') !== transport.overlapped) {
        await transport.deviceClear(options.mode === 'overlapped' ? FEATURE_OVERLAPPED : 0);
      }
      return transport;
    } catch (err) {
      await Promise.allSettled([sync.close(), async?.close()]);
      throw err;
    }
  }

  private died(err: LabbenchError): void {
    // One channel alone is useless: drop the other too, then tell the registry once.
    this.life.die(err, () => void Promise.allSettled([this.sync.close(), this.async.close()]));
  }

  private ensureOpen(): void {
    if (this.life.closed)
      throw new ClosedError(`The HiSLIP link to ${this.label} is closed.`, {
        resource: this.label,
      });
    const dead = this.sync.dead ?? this.async.dead;
    if (dead) throw dead;
  }

  async write(data: Buffer, signal?: AbortSignal): Promise<void> {
    this.ensureOpen();
    if (signal?.aborted) throw signal.reason;
    // The server's size includes the header (pyvisa-py reads it so); staying under it is safe either way.
    const room = Math.max(1, this.serverMaxMessageSize - HISLIP_HEADER_SIZE);
    // A new message: whatever is left of an older reply is not ours any more.
    this.partial = [];
    this.partialBytes = 0;
    let offset = 0;
    do {
      const piece = data.subarray(offset, offset + room);
      offset += piece.length;
      const type = offset >= data.length ? MessageType.DataEnd : MessageType.Data;
      const id = this.messageId;
      this.messageId = nextMessageId(id);
      this.lastSentId = id;
      const rmt = this.rmtDelivered ? 1 : 0;
      this.rmtDelivered = false;
      await this.sync.send(type, rmt, id, piece);
    } while (offset < data.length);
  }

  async read(timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    this.ensureOpen();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.sync.next(Math.max(0, deadline - Date.now()), signal, 'reply');
      if (m.type === MessageType.Data || m.type === MessageType.DataEnd) {
        if (m.parameter !== this.lastSentId && m.parameter !== HISLIP_ANY_MESSAGE_ID) continue; // stale reply
        this.partial.push(...m.parts);
        this.partialBytes += m.payloadLength;
        if (this.partialBytes > this.maxReplyBytes) {
          this.partial = [];
          this.partialBytes = 0;
          throw new ProtocolError(
            `${this.label} sent a reply longer than ${this.maxReplyBytes} bytes; raise maxReplyBytes if that is expected.`,
            { resource: this.label },
          );
        }
        if (m.type === MessageType.Data) continue;
        const parts = this.partial;
        const total = this.partialBytes;
        this.partial = [];
        this.partialBytes = 0;
        this.rmtDelivered = true;
        return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
      }
      if (m.type === MessageType.Error) throw this.serverError(m);
      // Interrupted (synchronized mode: the server dropped an unread reply), stray acknowledges:
      // nothing for the caller; keep waiting for our reply.
    }
  }

  private serverError(m: HislipMessage): ProtocolError {
    const text = m.payload.toString('latin1').trim();
    const advice =
      m.control === ErrorCode.MessageTooLarge ? ' The message exceeded the size the server accepts.' : '';
    return new ProtocolError(
      `${this.label} reported a HiSLIP error: ${errorText(m.control)}${text ? ` (${text})` : ''}.${advice}`,
      { resource: this.label, deviceCode: m.control },
    );
  }

  /** One request/answer on the asynchronous channel, serialised with the others. */
  private asyncRequest(
    type: number,
    control: number,
    parameter: number,
    answer: number,
    payload?: Buffer,
    timeoutMs = this.timeoutMs,
  ): Promise<HislipMessage> {
    const run = async (): Promise<HislipMessage> => {
      this.ensureOpen();
      await this.async.send(type, control, parameter, payload);
      for (;;) {
        const m = await this.async.next(timeoutMs, undefined, messageTypeName(answer));
        if (UNSOLICITED_ASYNC.has(m.type)) continue;
        if (m.type === MessageType.Error) throw this.serverError(m);
        return expect(m, answer, this.label);
      }
    };
    const result = this.asyncChain.then(run, run);
    this.asyncChain = result.catch(() => undefined);
    return result;
  }

  /**
   * Device clear: AsyncDeviceClear on the async channel, then DeviceClearComplete on the sync
   * channel, skipping everything the server still sends there until DeviceClearAcknowledge.
   * `features` asks for a mode (bit 0: overlapped); by default the server's preference.
   */
  private async deviceClear(features?: number): Promise<void> {
    const ack = await this.asyncRequest(
      MessageType.AsyncDeviceClear,
      0,
      0,
      MessageType.AsyncDeviceClearAcknowledge,
    );
    await this.sync.send(MessageType.DeviceClearComplete, features ?? ack.control, 0);
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const m = await this.sync.next(Math.max(0, deadline - Date.now()), undefined, 'DeviceClearAcknowledge');
      if (m.type !== MessageType.DeviceClearAcknowledge) continue; // replies to cleared messages
      this.overlappedMode = (m.control & FEATURE_OVERLAPPED) !== 0;
      break;
    }
    this.messageId = HISLIP_INITIAL_MESSAGE_ID;
    this.lastSentId = undefined;
    this.rmtDelivered = false;
    this.partial = [];
    this.partialBytes = 0;
  }

  clear(): Promise<void> {
    return this.deviceClear();
  }

  /** Switches modes with a device clear (the only place HiSLIP lets a client choose). */
  setMode(mode: 'overlapped' | 'synchronized'): Promise<void> {
    return this.deviceClear(mode === 'overlapped' ? FEATURE_OVERLAPPED : 0);
  }

  /** AsyncRemoteLocalControl (REN / GTL / LLO as VISA's viGpibControlREN modes). */
  async remoteLocal(request: RemoteLocalRequest): Promise<void> {
    const code = RemoteLocal[request];
    if (code === undefined) throw new ProtocolError(`Unknown remote/local request "${String(request)}".`);
    await this.asyncRequest(
      MessageType.AsyncRemoteLocalControl,
      code,
      this.lastSentId ?? HISLIP_ANY_MESSAGE_ID,
      MessageType.AsyncRemoteLocalResponse,
    );
  }

  /**
   * Requests the instrument's lock: exclusive with no `sharedName`, else shared with the clients
   * using the same name. Waits up to `waitMs` on the server; refused → E_BUSY.
   */
  async lock(waitMs: number, sharedName = ''): Promise<'exclusive' | 'shared'> {
    const wait = Math.max(0, Math.min(0xffffffff, Math.round(waitMs)));
    const reply = await this.asyncRequest(
      MessageType.AsyncLock,
      1,
      wait,
      MessageType.AsyncLockResponse,
      Buffer.from(sharedName, 'latin1'),
      this.timeoutMs + wait,
    );
    if (reply.control === LockResult.success) return 'exclusive';
    if (reply.control === LockResult.successShared) return 'shared';
    if (reply.control === LockResult.failure)
      throw new BusyError(
        `${this.label} is locked by another client (waited ${wait} ms). Close the other program, then retry.`,
        {
          resource: this.label,
          deviceCode: reply.control,
        },
      );
    throw new ProtocolError(`${this.label} refused the lock request as an error.`, {
      resource: this.label,
      deviceCode: reply.control,
    });
  }

  /** Releases our lock; false when we held none. */
  async unlock(): Promise<boolean> {
    const reply = await this.asyncRequest(
      MessageType.AsyncLock,
      0,
      this.lastSentId ?? HISLIP_ANY_MESSAGE_ID,
      MessageType.AsyncLockResponse,
    );
    return reply.control === LockResult.success || reply.control === LockResult.successShared;
  }

  async lockInfo(): Promise<HislipLockInfo> {
    const reply = await this.asyncRequest(MessageType.AsyncLockInfo, 0, 0, MessageType.AsyncLockInfoResponse);
    return { exclusive: reply.control === 1, holders: reply.parameter };
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.life.onClose(listener);
  }

  async close(): Promise<void> {
    if (!this.life.close()) return;
    await Promise.allSettled([this.async.close(), this.sync.close()]);
  }
}

function expect(m: HislipMessage, type: number, label: string): HislipMessage {
  if (m.type === type) return m;
  if (m.type === MessageType.Error)
    throw new ProtocolError(`${label} answered with HiSLIP error: ${errorText(m.control)}.`, {
      resource: label,
      deviceCode: m.control,
    });
  throw new ProtocolError(
    `${label} sent HiSLIP ${messageTypeName(m.type)} where ${messageTypeName(type)} was expected.`,
    {
      resource: label,
    },
  );
}

/** Opens `TCPIP::host::hislip<n>[,port]::INSTR`. */
export function openHislipTransport(options: HislipOpenOptions): Promise<HislipTransport> {
  return HislipTransport.open(options);
}

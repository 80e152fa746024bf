/**
 * Serves a simulated SCPI instrument over HiSLIP (what `TCPIP::host::hislip0,<port>::INSTR`
 * talks to): Initialize / AsyncInitialize pair the two channels of a session, Data / DataEnd carry
 * program messages, replies go back tagged with the MessageID of the message that asked, in
 * Data messages no larger than the client announced. Device clear, both modes, remote/local,
 * exclusive and shared locks, and fault injection for the client's error paths.
 */
import { formatHost } from '../../core/identity';
import type * as net from 'net';
import {
  ErrorCode,
  FEATURE_OVERLAPPED,
  FatalErrorCode,
  HISLIP_HEADER_SIZE,
  HislipFrameReader,
  MessageType,
  decodeSize64,
  encodeHeader,
  encodeMessage,
  encodeSize64,
} from '../../transport/hislip-codec';
import type { HislipMessage } from '../../transport/hislip-codec';
import type { ScpiDeviceModel, ScpiModelReply } from '../../visa/types';
import { HislipLockTable } from './hislip-locks';
import { listenTcp } from '../tcp-listener';
import type { SimServerAddress } from './tcp-server';

export interface HislipServerOptions extends SimServerAddress {
  /** Sub-addresses clients may ask for (default hislip0). */
  subAddresses?: string[];
  /** Largest message the server accepts, announced in AsyncMaxMsgSizeResponse (default 1 MiB). */
  maxMessageSize?: number;
  /** Mode a new session starts in (default synchronized); clients may switch with a device clear. */
  overlapped?: boolean;
  /** More sessions than this are refused with FatalError "maximum clients exceeded" (default 16). */
  maxSessions?: number;
}

/**
 * Fault injection on the next reply: a header without "HS", a header announcing a 1 TiB payload,
 * a FatalError followed by closing, an Error ("message too large") instead of the reply, or the
 * reply sent first under a stale MessageID.
 */
export type HislipFault = 'badPrologue' | 'oversizeLength' | 'fatalError' | 'errorMessage' | 'staleMessageId';

export interface HislipServerStats {
  /** Data + DataEnd messages received, and the largest payload among them. */
  dataMessagesIn: number;
  largestPayloadIn: number;
  /** Data + DataEnd messages sent. */
  dataMessagesOut: number;
  /** MessageIDs of the client's DataEnd messages, in order. */
  messageIds: number[];
  deviceClears: number;
  /** AsyncRemoteLocalControl control codes received. */
  remoteLocal: number[];
  /** RMT-delivered bits of the DataEnd messages received. */
  rmtDelivered: number[];
}

export interface ScpiHislipServer {
  readonly host: string;
  readonly port: number;
  /** `TCPIP::<host>::hislip0,<port>::INSTR` */
  readonly resource: string;
  readonly sessionCount: number;
  readonly stats: HislipServerStats;
  injectFault(fault: HislipFault): void;
  /** Resets every client connection (a LAN glitch); the server keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE = 1 << 20;
/** VISA's default when a client never sends AsyncMaxMsgSize. */
const DEFAULT_CLIENT_MAX = 1 << 20;
const SERVER_VERSION = 0x0100;
const VENDOR_ID = 0x4c42; // "LB"

interface Session {
  readonly id: number;
  readonly sync: net.Socket;
  async?: net.Socket;
  overlapped: boolean;
  clientMax: number;
  /** Between AsyncDeviceClear and DeviceClearComplete: Data is dropped. */
  clearing: boolean;
  /** Bumped by device clear and close: replies of older messages are dropped. */
  generation: number;
  input: Buffer[];
  chain: Promise<void>;
  closed: boolean;
}

export async function serveScpiOverHislip(
  model: ScpiDeviceModel,
  options: HislipServerOptions = {},
): Promise<ScpiHislipServer> {
  const subAddresses = new Set((options.subAddresses ?? ['hislip0']).map((s) => s.toLowerCase()));
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
  const maxSessions = options.maxSessions ?? 16;
  const sessions = new Map<number, Session>();
  const faults: HislipFault[] = [];
  const stats: HislipServerStats = {
    dataMessagesIn: 0,
    largestPayloadIn: 0,
    dataMessagesOut: 0,
    messageIds: [],
    deviceClears: 0,
    remoteLocal: [],
    rmtDelivered: [],
  };
  let nextSessionId = 1;
  const locks = new HislipLockTable();

  const send = (
    socket: net.Socket | undefined,
    type: number,
    control: number,
    param: number,
    payload?: Buffer,
  ): void => {
    if (socket && !socket.destroyed) socket.write(encodeMessage(type, control, param, payload));
  };
  /** Error "unrecognized message type": the session stays up. */
  const unrecognized = (socket: net.Socket | undefined, m: HislipMessage): void =>
    send(socket, MessageType.Error, ErrorCode.UnrecognizedMessageType, 0, Buffer.from(`type ${m.type}`));
  const fatal = (socket: net.Socket, code: number, text: string): void => {
    if (!socket.destroyed)
      socket.end(encodeMessage(MessageType.FatalError, code, 0, Buffer.from(text, 'latin1')));
    setTimeout(() => socket.destroy(), 50).unref();
  };

  const endSession = (s: Session): void => {
    if (s.closed) return;
    s.closed = true;
    s.generation++;
    sessions.delete(s.id);
    locks.releaseAll(s.id);
    s.sync.destroy();
    s.async?.destroy();
    try {
      model.closeSession?.();
    } catch {
      // the model's bookkeeping is not the protocol's concern
    }
  };

  const sendReply = (s: Session, reply: Buffer[], messageId: number): void => {
    const fault = faults.shift();
    if (fault === 'fatalError') {
      fatal(s.sync, 0x80, 'simulated fatal error');
      return;
    }
    if (fault === 'errorMessage') {
      send(s.sync, MessageType.Error, ErrorCode.MessageTooLarge, 0, Buffer.from('simulated error'));
      return;
    }
    if (fault === 'badPrologue' || fault === 'oversizeLength') {
      const length = reply.reduce((n, p) => n + p.length, 0);
      const header = encodeHeader(
        MessageType.DataEnd,
        0,
        messageId,
        fault === 'oversizeLength' ? 2 ** 40 : length,
      );
      if (fault === 'badPrologue') header.write('XS', 0, 'latin1');
      s.sync.write(header);
      if (fault === 'badPrologue') for (const part of reply) s.sync.write(part);
      return;
    }
    if (fault === 'staleMessageId') sendData(s, [Buffer.from('stale reply\n')], (messageId - 2) >>> 0);
    sendData(s, reply, messageId);
  };

  /** Sends a reply's parts as Data messages of at most what the client accepts, DataEnd last. */
  const sendData = (s: Session, parts: Buffer[], messageId: number): void => {
    const room = Math.max(1, s.clientMax - HISLIP_HEADER_SIZE);
    const total = parts.reduce((n, p) => n + p.length, 0);
    let sent = 0;
    let index = 0;
    let offset = 0;
    do {
      const size = Math.min(room, total - sent);
      s.sync.write(
        encodeHeader(sent + size >= total ? MessageType.DataEnd : MessageType.Data, 0, messageId, size),
      );
      for (let left = size; left > 0;) {
        const part = parts[index];
        const n = Math.min(left, part.length - offset);
        if (n > 0) s.sync.write(part.subarray(offset, offset + n));
        offset += n;
        left -= n;
        if (offset === part.length) {
          index++;
          offset = 0;
        }
      }
      sent += size;
      stats.dataMessagesOut++;
    } while (sent < total);
  };

  const execute = async (s: Session, line: string, messageId: number, generation: number): Promise<void> => {
    if (s.closed || generation !== s.generation) return;
    let reply: ScpiModelReply;
    try {
      reply = await model.execute(line);
    } catch {
      // The model "unplugged": a pulled cable resets both connections.
      s.sync.resetAndDestroy();
      s.async?.resetAndDestroy();
      return;
    }
    if (reply === null || s.closed || generation !== s.generation) return;
    sendReply(s, replyParts(reply), messageId);
  };

  const onSyncMessage = (s: Session, m: HislipMessage): void => {
    switch (m.type) {
      case MessageType.Data:
      case MessageType.DataEnd: {
        if (!s.async)
          return fatal(s.sync, FatalErrorCode.ChannelsNotEstablished, 'no asynchronous channel yet');
        stats.dataMessagesIn++;
        stats.largestPayloadIn = Math.max(stats.largestPayloadIn, m.payload.length);
        if (s.clearing) return;
        s.input.push(m.payload);
        if (m.type === MessageType.Data) return;
        stats.messageIds.push(m.parameter);
        stats.rmtDelivered.push(m.control & 1);
        const text = Buffer.concat(s.input).toString('latin1');
        s.input = [];
        const generation = s.generation;
        for (const raw of text.split('\n')) {
          const line = raw.replace(/\r$/, '');
          if (line.trim() === '') continue;
          s.chain = s.chain.then(() => execute(s, line, m.parameter, generation));
        }
        return;
      }
      case MessageType.DeviceClearComplete:
        s.clearing = false;
        s.overlapped = (m.control & FEATURE_OVERLAPPED) !== 0;
        return send(s.sync, MessageType.DeviceClearAcknowledge, s.overlapped ? FEATURE_OVERLAPPED : 0, 0);
      case MessageType.Trigger:
        return; // no trigger model in the simulated instruments
      default:
        return unrecognized(s.sync, m);
    }
  };

  const onAsyncMessage = (s: Session, m: HislipMessage): void => {
    switch (m.type) {
      case MessageType.AsyncMaxMsgSize:
        s.clientMax = Math.max(HISLIP_HEADER_SIZE + 1, Math.min(decodeSize64(m.payload), 2 ** 31));
        return send(s.async, MessageType.AsyncMaxMsgSizeResponse, 0, 0, encodeSize64(maxMessageSize));
      case MessageType.AsyncDeviceClear:
        stats.deviceClears++;
        s.clearing = true;
        s.generation++;
        s.input = [];
        model.deviceClear();
        return send(
          s.async,
          MessageType.AsyncDeviceClearAcknowledge,
          s.overlapped ? FEATURE_OVERLAPPED : 0,
          0,
        );
      case MessageType.AsyncRemoteLocalControl: {
        stats.remoteLocal.push(m.control);
        if (m.control > 6) return send(s.async, MessageType.Error, ErrorCode.UnrecognizedControlCode, 0);
        model.setRemote?.([1, 3, 4, 5].includes(m.control));
        return send(s.async, MessageType.AsyncRemoteLocalResponse, 0, 0);
      }
      case MessageType.AsyncLock: {
        const reply = (code: number): void => send(s.async, MessageType.AsyncLockResponse, code, 0);
        if (m.control === 0) return reply(locks.release(s.id));
        locks.request(s.id, m.payload.toString('latin1'), m.parameter, reply);
        return;
      }
      case MessageType.AsyncLockInfo: {
        const info = locks.info();
        return send(s.async, MessageType.AsyncLockInfoResponse, info.exclusive ? 1 : 0, info.holders);
      }
      case MessageType.AsyncStatusQuery:
        return send(s.async, MessageType.AsyncStatusResponse, 0, 0);
      default:
        return unrecognized(s.async, m);
    }
  };

  /** The first message decides what a connection is: Initialize (sync) or AsyncInitialize. */
  const onFirstMessage = (socket: net.Socket, m: HislipMessage): Session | undefined => {
    if (m.type === MessageType.Initialize) {
      const sub = m.payload.toString('latin1').toLowerCase();
      if (!subAddresses.has(sub)) {
        fatal(socket, FatalErrorCode.InvalidInitialization, `unknown sub-address "${sub}"`);
        return undefined;
      }
      if (sessions.size >= maxSessions) {
        fatal(socket, FatalErrorCode.MaxClientsExceeded, 'too many clients');
        return undefined;
      }
      try {
        model.openSession?.();
      } catch (err) {
        fatal(socket, FatalErrorCode.MaxClientsExceeded, (err as Error).message);
        return undefined;
      }
      const s: Session = {
        id: nextSessionId,
        sync: socket,
        overlapped: options.overlapped ?? false,
        clientMax: DEFAULT_CLIENT_MAX,
        clearing: false,
        generation: 0,
        input: [],
        chain: Promise.resolve(),
        closed: false,
      };
      nextSessionId = nextSessionId >= 0xffff ? 1 : nextSessionId + 1;
      sessions.set(s.id, s);
      send(
        socket,
        MessageType.InitializeResponse,
        s.overlapped ? 1 : 0,
        ((SERVER_VERSION << 16) | s.id) >>> 0,
      );
      return s;
    }
    if (m.type === MessageType.AsyncInitialize) {
      const s = sessions.get(m.parameter & 0xffff);
      if (!s || s.async) {
        fatal(socket, FatalErrorCode.InvalidInitialization, 'no such session');
        return undefined;
      }
      s.async = socket;
      send(socket, MessageType.AsyncInitializeResponse, 0, VENDOR_ID);
      return s;
    }
    fatal(socket, FatalErrorCode.InvalidInitialization, 'expected Initialize or AsyncInitialize');
    return undefined;
  };

  const listener = await listenTcp({ ...options, port: options.port ?? 4880 }, (socket) => {
    if (model.isConnected?.() === false) {
      socket.resetAndDestroy();
      return;
    }
    const reader = new HislipFrameReader(maxMessageSize);
    let session: Session | undefined;
    let isSync = false;
    socket.on('close', () => {
      if (session) endSession(session);
    });
    socket.on('data', (chunk: Buffer) => {
      let messages: HislipMessage[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        fatal(socket, FatalErrorCode.PoorlyFormedHeader, (err as Error).message);
        return;
      }
      for (const m of messages) {
        if (socket.destroyed) return;
        if (m.type === MessageType.FatalError) {
          socket.destroy();
          return;
        }
        if (!session) {
          session = onFirstMessage(socket, m);
          isSync = m.type === MessageType.Initialize;
          if (!session) return;
          continue;
        }
        if (isSync) onSyncMessage(session, m);
        else onAsyncMessage(session, m);
      }
    });
  });
  return {
    host: listener.host,
    port: listener.port,
    resource: `TCPIP::${formatHost(listener.host)}::hislip0,${listener.port}::INSTR`,
    stats,
    get sessionCount() {
      return sessions.size;
    },
    injectFault(fault) {
      faults.push(fault);
    },
    dropConnections: () => listener.dropConnections(),
    close() {
      locks.cancelAll();
      return listener.close();
    },
  };
}

const LF = Buffer.from('\n');

/** A model's reply and its LF; models may answer binary data (blocks) as a Buffer, sent uncopied. */
function replyParts(reply: unknown): Buffer[] {
  return Buffer.isBuffer(reply) ? [reply, LF] : [Buffer.from(`${String(reply)}\n`, 'latin1')];
}

/**
 * The seam between the Modbus application layer (function codes, exceptions, typed values) and
 * the framing below it. One request/response exchange, whatever carries it: RTU frames with CRC
 * and inter-frame silence on a serial line or a `tcp://` serial device server, or MBAP frames on a
 * `modbus-tcp://` gateway. Both sides build on this interface and nothing else, so the Watlow
 * controller in Modbus mode and the generic `modbus` node speak through the same client.
 */

export interface ModbusTransactOptions {
  /** How long to wait for the response of one attempt, ms. */
  timeoutMs?: number;
  /** Aborts the exchange (the registry's per-transaction signal). */
  signal?: AbortSignal;
  /**
   * For messages, when the caller knows better than the link: what the request does ("read
   * setPoint (7001) instance 1"), where it goes ('Watlow "oven" (Modbus address 1 on COM3)') and
   * what to check when nothing answers. A link has its own defaults for each.
   */
  what?: string;
  where?: string;
  silentHint?: string;
}

export interface ModbusLink {
  /** Human form for messages, e.g. "/dev/ttyUSB0" or "modbus-tcp://10.0.0.5:502". */
  readonly label: string;
  /**
   * Sends one request PDU (function code followed by its data) to `unit` and resolves with the
   * response PDU — exception responses included, as the device sent them (function code with the
   * high bit set, then the exception code); interpreting them is the client's job.
   * Unit 0 is broadcast: nothing answers, so it resolves `undefined` once the request is sent and
   * the line's turnaround delay has passed. Rejects with the package's errors: TimeoutError when
   * no response came, ProtocolError when only corrupt frames came, DisconnectedError when the
   * line went away.
   */
  transact(unit: number, pdu: Uint8Array, options?: ModbusTransactOptions): Promise<Uint8Array | undefined>;
}

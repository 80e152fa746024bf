/**
 * The Modbus application layer over any ModbusLink (RTU on a serial line or `tcp://` stream, MBAP
 * on a `modbus-tcp://` gateway): the eight common function codes with typed values. Requests are
 * validated before anything reaches the link; responses are checked against their request; an
 * exception response becomes a DeviceError (E_DEVICE_ERROR) whose `deviceCode` is the exception
 * code and whose message names it.
 */
import { DeviceError, ProtocolError } from '../core/errors';
import type { ModbusLink, ModbusTransactOptions } from './link';
import type { ModbusRequest, ModbusResponse } from './pdu';
import { FC, decodeResponsePdu, encodeRequestPdu, exceptionName } from './pdu';
import { requireModbusUnit } from './rtu';

export type ModbusCallOptions = ModbusTransactOptions;

function describe(request: ModbusRequest): string {
  switch (request.fc) {
    case FC.readCoils:
      return `read ${request.quantity} coil(s) at ${request.address}`;
    case FC.readDiscreteInputs:
      return `read ${request.quantity} discrete input(s) at ${request.address}`;
    case FC.readHoldingRegisters:
      return `read ${request.quantity} holding register(s) at ${request.address}`;
    case FC.readInputRegisters:
      return `read ${request.quantity} input register(s) at ${request.address}`;
    case FC.writeSingleCoil:
      return `write coil ${request.address}`;
    case FC.writeSingleRegister:
      return `write register ${request.address}`;
    case FC.writeMultipleCoils:
      return `write ${request.values.length} coil(s) at ${request.address}`;
    case FC.writeMultipleRegisters:
      return `write ${request.values.length} register(s) at ${request.address}`;
  }
}

export class ModbusClient {
  constructor(readonly link: ModbusLink) {}

  readCoils(
    unit: number,
    address: number,
    quantity: number,
    options?: ModbusCallOptions,
  ): Promise<boolean[]> {
    return this.readBits(unit, { fc: FC.readCoils, address, quantity }, options);
  }

  readDiscreteInputs(
    unit: number,
    address: number,
    quantity: number,
    options?: ModbusCallOptions,
  ): Promise<boolean[]> {
    return this.readBits(unit, { fc: FC.readDiscreteInputs, address, quantity }, options);
  }

  readHoldingRegisters(
    unit: number,
    address: number,
    quantity: number,
    options?: ModbusCallOptions,
  ): Promise<number[]> {
    return this.readWords(unit, { fc: FC.readHoldingRegisters, address, quantity }, options);
  }

  readInputRegisters(
    unit: number,
    address: number,
    quantity: number,
    options?: ModbusCallOptions,
  ): Promise<number[]> {
    return this.readWords(unit, { fc: FC.readInputRegisters, address, quantity }, options);
  }

  async writeSingleCoil(
    unit: number,
    address: number,
    value: boolean,
    options?: ModbusCallOptions,
  ): Promise<void> {
    await this.call(unit, { fc: FC.writeSingleCoil, address, value }, options, true);
  }

  async writeSingleRegister(
    unit: number,
    address: number,
    value: number,
    options?: ModbusCallOptions,
  ): Promise<void> {
    await this.call(unit, { fc: FC.writeSingleRegister, address, value }, options, true);
  }

  async writeMultipleCoils(
    unit: number,
    address: number,
    values: readonly boolean[],
    options?: ModbusCallOptions,
  ): Promise<void> {
    await this.call(unit, { fc: FC.writeMultipleCoils, address, values }, options, true);
  }

  async writeMultipleRegisters(
    unit: number,
    address: number,
    values: readonly number[],
    options?: ModbusCallOptions,
  ): Promise<void> {
    await this.call(unit, { fc: FC.writeMultipleRegisters, address, values }, options, true);
  }

  private async readBits(
    unit: number,
    request: ModbusRequest,
    options?: ModbusCallOptions,
  ): Promise<boolean[]> {
    const response = await this.call(unit, request, options, false);
    return [...(response as Extract<ModbusResponse, { kind: 'bits' }>).values];
  }

  private async readWords(
    unit: number,
    request: ModbusRequest,
    options?: ModbusCallOptions,
  ): Promise<number[]> {
    const response = await this.call(unit, request, options, false);
    return [...(response as Extract<ModbusResponse, { kind: 'registers' }>).values];
  }

  /**
   * Validates, sends, checks. Resolves with the response (never an exception response: those
   * are thrown as DeviceError), or undefined for a broadcast write.
   */
  private async call(
    unit: number,
    request: ModbusRequest,
    options: ModbusCallOptions = {},
    broadcastAllowed: boolean,
  ): Promise<ModbusResponse | undefined> {
    requireModbusUnit(unit, broadcastAllowed, { resource: this.link.label });
    const pdu = encodeRequestPdu(request);
    const what = options.what ?? describe(request);
    const where = options.where ?? `Modbus unit ${unit} on ${this.link.label}`;
    const reply = await this.link.transact(unit, pdu, { ...options, what, where });
    if (reply === undefined) {
      if (unit === 0) return undefined;
      throw new ProtocolError(`${where} gave no response to ${what}.`, { resource: this.link.label });
    }
    let response: ModbusResponse;
    try {
      response = decodeResponsePdu(pdu, reply);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new ProtocolError(`${where} answered ${what} wrongly: ${detail}`, {
        resource: this.link.label,
        cause: err,
      });
    }
    if (response.kind === 'exception') {
      throw new DeviceError(
        `${where} refused to ${what}: Modbus exception ${response.code} (${exceptionName(response.code)}).`,
        { resource: this.link.label, deviceCode: response.code },
      );
    }
    return response;
  }
}

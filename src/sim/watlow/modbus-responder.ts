/**
 * Answers Modbus requests (FC 03, 06, 10; any other function draws exception 01) for a simulated controller, through a register map
 * built from the catalogue for the controller's data map and fitted instances.
 *
 * Reads that cross unassigned registers return 0 there by default; with `strictHoles` they draw
 * exception 02 instead. Which one a real PM does is not documented [?]; the client copes with both
 * (it falls back to one read per parameter), and tests exercise both.
 */
import type { ParameterSpec } from '../../watlow/catalogue';
import { PARAMETERS } from '../../watlow/catalogue';
import { decodeRegisters, encodeRegisters, registerOf } from '../../watlow/modbus/registers';
import type { ModbusRequest, ModbusResponse } from '../../modbus/pdu';
import { EXCEPTION, FC, LIMITS } from '../../modbus/pdu';
import type { SimulatedController } from './controller';

interface RegisterOwner {
  spec: ParameterSpec;
  instance: number;
  /** Which register of the parameter (0 or 1). */
  word: number;
  start: number;
  count: number;
}

export class ModbusRegisterMap {
  private readonly owners = new Map<number, RegisterOwner>();

  constructor(private readonly controller: SimulatedController) {
    for (const spec of PARAMETERS) {
      for (let instance = 1; instance <= controller.instancesOf(spec.instanceKind); instance++) {
        const location = registerOf(spec, instance, controller.modbusMap);
        if (!location) continue;
        for (let word = 0; word < location.count; word++) {
          // First owner wins: 8031 shares 4022's register and reads the same value.
          if (!this.owners.has(location.address + word)) {
            this.owners.set(location.address + word, {
              spec,
              instance,
              word,
              start: location.address,
              count: location.count,
            });
          }
        }
      }
    }
  }

  answer(request: ModbusRequest, strictHoles: boolean): ModbusResponse {
    const exception = (code: number): ModbusResponse => ({ kind: 'exception', fc: request.fc, code });
    switch (request.fc) {
      case FC.readHoldingRegisters: {
        if (request.quantity < 1 || request.quantity > LIMITS.readRegisters)
          return exception(EXCEPTION.illegalDataValue);
        const words: number[] = [];
        const cache = new Map<string, number[]>();
        let assigned = 0;
        for (let address = request.address; address < request.address + request.quantity; address++) {
          const owner = this.owners.get(address);
          if (!owner) {
            if (strictHoles) return exception(EXCEPTION.illegalDataAddress);
            words.push(0);
            continue;
          }
          const key = `${owner.spec.id}:${owner.instance}`;
          let value = cache.get(key);
          if (!value) {
            const result = this.controller.read(owner.spec.id, owner.instance);
            if (!result.ok) return exception(result.modbusException);
            value = encodeRegisters(owner.spec.type, result.value as number, this.controller.wordOrder);
            cache.set(key, value);
          }
          words.push(value[owner.word]!);
          assigned++;
        }
        if (assigned === 0) return exception(EXCEPTION.illegalDataAddress);
        return { kind: 'registers', values: words };
      }
      case FC.writeSingleRegister: {
        const owner = this.owners.get(request.address);
        if (!owner || owner.word !== 0 || owner.count !== 1) return exception(EXCEPTION.illegalDataAddress);
        const failure = this.store(owner, [request.value]);
        if (failure !== undefined) return exception(failure);
        return { kind: 'written', address: request.address, quantity: 1 };
      }
      case FC.writeMultipleRegisters: {
        if (request.values.length < 1 || request.values.length > LIMITS.writeRegisters)
          return exception(EXCEPTION.illegalDataValue);
        // Every register written must belong to a whole writable parameter.
        const plan: { owner: RegisterOwner; words: number[] }[] = [];
        for (let i = 0; i < request.values.length;) {
          const owner = this.owners.get(request.address + i);
          if (!owner || owner.word !== 0 || i + owner.count > request.values.length)
            return exception(EXCEPTION.illegalDataAddress);
          plan.push({ owner, words: request.values.slice(i, i + owner.count) });
          i += owner.count;
        }
        for (const { owner, words } of plan) {
          const failure = this.store(owner, words);
          if (failure !== undefined) return exception(failure);
        }
        return { kind: 'written', address: request.address, quantity: request.values.length };
      }
      default:
        return exception(EXCEPTION.illegalFunction);
    }
  }

  /** Writes one parameter from its words; returns the exception code on refusal. */
  private store(owner: RegisterOwner, words: number[]): number | undefined {
    const value = decodeRegisters(owner.spec.type, words, this.controller.wordOrder);
    const result = this.controller.write(owner.spec.id, owner.instance, value);
    return result.ok ? undefined : result.modbusException;
  }
}

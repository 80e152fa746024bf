/** Vocabulary shared by the codecs, the catalogue, the client and the simulator. */

export type WatlowProtocol = 'stdbus' | 'modbus';

/**
 * Value types of the EZ-ZONE register list. `enum` covers "enumeration" and "wide enumeration"
 * (Std Bus tag 0x0F, one Modbus register).
 */
export type WatlowDataType = 'u8' | 'u16' | 'u32' | 's32' | 'float' | 'string' | 'enum';

/** Modbus 32-bit word order (parameter 17043). `lowHigh` is the documented factory default. */
export type WordOrder = 'lowHigh' | 'highLow';

/** Modbus data map of the PM register list; the loop, set-point and alarm blocks move between them. */
export type ModbusMap = 1 | 2;

/** A Std Bus parameter selector: parameter ID = cls × 1000 + member; instance is 1-based. */
export interface Selector {
  readonly cls: number;
  readonly member: number;
  readonly instance: number;
}

/** A decoded Std Bus value with the type its tag announced. */
export interface TypedValue {
  readonly type: WatlowDataType;
  readonly value: number | string;
}

export function parameterIdOf(selector: Pick<Selector, 'cls' | 'member'>): number {
  return selector.cls * 1000 + selector.member;
}

export function formatSelector(selector: Selector): string {
  return `${parameterIdOf(selector)} instance ${selector.instance}`;
}

export function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes as ArrayLike<number>, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(
    ' ',
  );
}

/**
 * The I/O of one transaction on the 2281S: a SCPI session plus the transaction's abort signal,
 * and the one rule for writing a level (how -222 is judged).
 */
import type { ScpiSession } from '../visa/session';
import { scpiDeviceError } from '../visa/scpi-format';
import { queryOf } from './commands';
import { parseNumberReply } from './replies';

/** How far a read-back may sit from the requested value and still count as the instrument's rounding. */
function withinRounding(requested: number, readBack: number): boolean {
  return Math.abs(readBack - requested) <= Math.max(1e-3, Math.abs(requested) * 1e-3);
}

export class InstrumentIo {
  constructor(
    readonly session: ScpiSession,
    readonly signal?: AbortSignal,
  ) {}

  get label(): string {
    return this.session.label;
  }

  query(command: string): Promise<string> {
    return this.session.query(command, { signal: this.signal });
  }

  /** A fixed command, error queue checked afterwards (DeviceError if refused). */
  write(command: string): Promise<void> {
    return this.session.write(command, { signal: this.signal });
  }

  /**
   * `header <value>`, then the error queue. -222 means "out of range" but the 2281S also reports
   * it for values it quantises or clamps (Lager treats it as benign and reads back). Both cases
   * are handled: on -222 alone the value is read back, and accepted if it is the requested value
   * within rounding; otherwise the refusal is reported with the instrument's code.
   */
  async setLevel(header: string, value: number, what: string): Promise<void> {
    await this.session.writeCommand(header, [value], { check: false, signal: this.signal });
    const errors = await this.session.readErrorQueue({ signal: this.signal });
    if (errors.length === 0) return;
    if (errors.every((e) => e.code === -222)) {
      const query = queryOf(header);
      const readBack = parseNumberReply(await this.query(query), query);
      if (withinRounding(value, readBack)) return;
    }
    throw scpiDeviceError(errors, `${what} = ${value}`, this.session.label);
  }

  async queryNumber(command: string, unit?: string): Promise<number> {
    return parseNumberReply(await this.query(command), command, unit);
  }
}

/**
 * The simulated 2281S error queue: SCPI codes with the instrument's texts, the `*ESR?` bits they
 * set, and the overflow rule of IEEE 488.2 (the newest entry becomes -350 when full).
 */

export const SCPI_ERROR_TEXT: Readonly<Record<number, string>> = {
  [-102]: 'Syntax error',
  [-104]: 'Data type error',
  [-108]: 'Parameter not allowed',
  [-109]: 'Missing parameter',
  [-113]: 'Undefined header',
  [-131]: 'Invalid suffix',
  [-200]: 'Execution error',
  [-221]: 'Settings conflict',
  [-222]: 'Data out of range',
  [-224]: 'Illegal parameter value',
  [-350]: 'Queue overflow',
  [-410]: 'Query INTERRUPTED',
  700: 'Command not permitted in this mode',
  703: 'Full Voc is less than empty Voc',
  704: 'Not permitted while battery model is running',
  708: 'Illegal model range',
};

/** `*ESR?` bits (IEEE 488.2): command, execution, device-dependent, query errors. */
const ESR_COMMAND_ERROR = 32;
const ESR_EXECUTION_ERROR = 16;
const ESR_DEVICE_ERROR = 8;
const ESR_QUERY_ERROR = 4;

export function esrBitFor(code: number): number {
  if (code <= -100 && code > -200) return ESR_COMMAND_ERROR;
  if (code <= -200 && code > -300) return ESR_EXECUTION_ERROR;
  if (code <= -400 && code > -500) return ESR_QUERY_ERROR;
  return ESR_DEVICE_ERROR;
}

export class ErrorQueue {
  private readonly entries: { code: number; message: string }[] = [];

  constructor(private readonly capacity = 10) {}

  push(code: number, detail?: string): void {
    const text = SCPI_ERROR_TEXT[code] ?? 'Device-specific error';
    const message = detail ? `${text}; ${detail}` : text;
    if (this.entries.length >= this.capacity) {
      this.entries[this.capacity - 1] = { code: -350, message: SCPI_ERROR_TEXT[-350] };
      return;
    }
    this.entries.push({ code, message });
  }

  /** `:SYST:ERR?`: the oldest entry, or `0,"No error"`. */
  next(): string {
    const entry = this.entries.shift();
    return entry ? `${entry.code},"${entry.message.replace(/"/g, '""')}"` : '0,"No error"';
  }

  clear(): void {
    this.entries.length = 0;
  }

  get length(): number {
    return this.entries.length;
  }

  /** The codes queued now, oldest first (introspection for tests). */
  codes(): number[] {
    return this.entries.map((e) => e.code);
  }
}

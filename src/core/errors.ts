/**
 * The error vocabulary of the package (docs/design.md, Errors). Every failure the library reports is a
 * `LabbenchError` with a stable `code`; Node-RED's Catch node copies `code` into `msg.error.code`
 * and prints `String(err)`, so the class `name` is part of what a lab engineer reads.
 */

export const ERROR_CODES = [
  'E_INVALID_INPUT',
  'E_OUT_OF_RANGE',
  'E_READ_ONLY',
  'E_VERIFY',
  'E_TIMEOUT',
  'E_BUSY',
  'E_NOT_FOUND',
  'E_PERMISSION',
  'E_DISCONNECTED',
  'E_QUEUE_FULL',
  'E_PROTOCOL_CONFLICT',
  'E_SETTINGS_CONFLICT',
  'E_ROLE_CONFLICT',
  'E_DEVICE_ERROR',
  'E_PROTOCOL',
  'E_UNSUPPORTED',
  'E_POLL_FAILED',
  'E_CLOSED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface LabbenchErrorOptions {
  /** The resource the failure concerns: a serial path, a VISA resource string, a controller. */
  resource?: string;
  /** What the device itself answered (SCPI error number, Watlow error byte, Modbus exception). */
  deviceCode?: number | string;
  cause?: unknown;
}

export class LabbenchError extends Error {
  readonly code: ErrorCode;
  readonly resource: string | undefined;
  readonly deviceCode: number | string | undefined;

  constructor(code: ErrorCode, message: string, options: LabbenchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.resource = options.resource;
    this.deviceCode = options.deviceCode;
    this.name = new.target.name;
  }

  /** A plain, JSON-safe description, used for inline (per-sample) error reporting. */
  toJSON(): { code: ErrorCode; message: string; name: string; deviceCode?: number | string } {
    const out: { code: ErrorCode; message: string; name: string; deviceCode?: number | string } = {
      code: this.code,
      message: this.message,
      name: this.name,
    };
    if (this.deviceCode !== undefined) out.deviceCode = this.deviceCode;
    return out;
  }
}

/** Declares a subclass bound to one code, so `new TimeoutError(msg)` needs no code argument. */
function errorClass<C extends ErrorCode>(code: C) {
  return class extends LabbenchError {
    declare readonly code: C;
    constructor(message: string, options?: LabbenchErrorOptions) {
      super(code, message, options);
    }
  };
}

export class InvalidInputError extends errorClass('E_INVALID_INPUT') {}
export class OutOfRangeError extends errorClass('E_OUT_OF_RANGE') {}
export class ReadOnlyError extends errorClass('E_READ_ONLY') {}
export class VerifyError extends errorClass('E_VERIFY') {}
export class TimeoutError extends errorClass('E_TIMEOUT') {}
export class BusyError extends errorClass('E_BUSY') {}
export class NotFoundError extends errorClass('E_NOT_FOUND') {}
/** The OS refuses access to the device (file permissions, udev rule, group membership). */
export class PermissionError extends errorClass('E_PERMISSION') {}
export class DisconnectedError extends errorClass('E_DISCONNECTED') {}
export class QueueFullError extends errorClass('E_QUEUE_FULL') {}
export class ProtocolConflictError extends errorClass('E_PROTOCOL_CONFLICT') {}
export class SettingsConflictError extends errorClass('E_SETTINGS_CONFLICT') {}
export class RoleConflictError extends errorClass('E_ROLE_CONFLICT') {}
export class DeviceError extends errorClass('E_DEVICE_ERROR') {}
export class ProtocolError extends errorClass('E_PROTOCOL') {}
export class UnsupportedError extends errorClass('E_UNSUPPORTED') {}
export class ClosedError extends errorClass('E_CLOSED') {}

/** One error standing for several (a poll in which some reads failed). */
export class PollFailedError extends errorClass('E_POLL_FAILED') {
  readonly failures: readonly LabbenchError[];
  constructor(message: string, failures: readonly LabbenchError[], options?: LabbenchErrorOptions) {
    super(message, options);
    this.failures = failures;
  }
}

export function isLabbenchError(err: unknown): err is LabbenchError {
  return err instanceof LabbenchError;
}

/** Checks an error by its stable code (never by class: codes are the contract). */
export function hasErrorCode<C extends ErrorCode>(err: unknown, code: C): err is LabbenchError & { code: C } {
  return err instanceof LabbenchError && err.code === code;
}

/** The class bound to each code: the one way to build an error whose code is only known at run time. */
const CLASS_OF_CODE: Record<
  Exclude<ErrorCode, 'E_POLL_FAILED'>,
  new (message: string, options?: LabbenchErrorOptions) => LabbenchError
> = {
  E_INVALID_INPUT: InvalidInputError,
  E_OUT_OF_RANGE: OutOfRangeError,
  E_READ_ONLY: ReadOnlyError,
  E_VERIFY: VerifyError,
  E_TIMEOUT: TimeoutError,
  E_BUSY: BusyError,
  E_NOT_FOUND: NotFoundError,
  E_PERMISSION: PermissionError,
  E_DISCONNECTED: DisconnectedError,
  E_QUEUE_FULL: QueueFullError,
  E_PROTOCOL_CONFLICT: ProtocolConflictError,
  E_SETTINGS_CONFLICT: SettingsConflictError,
  E_ROLE_CONFLICT: RoleConflictError,
  E_DEVICE_ERROR: DeviceError,
  E_PROTOCOL: ProtocolError,
  E_UNSUPPORTED: UnsupportedError,
  E_CLOSED: ClosedError,
};

/**
 * The same failure with a new message (more context): same code and class, same resource,
 * device code and cause. A poll failure keeps its item failures.
 */
export function rephrase(err: LabbenchError, message: string, resource?: string): LabbenchError {
  const options = { resource: err.resource ?? resource, deviceCode: err.deviceCode, cause: err.cause };
  if (err instanceof PollFailedError) return new PollFailedError(message, err.failures, options);
  return new CLASS_OF_CODE[err.code as Exclude<ErrorCode, 'E_POLL_FAILED'>](message, options);
}

/** OS / driver error codes that mean "the device went away" (sharing rule 8, docs/design.md). */
const GONE_CODES = new Set([
  'ENODEV',
  'EIO',
  'ENXIO',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ENOTCONN',
  'EBADF',
  'LIBUSB_ERROR_NO_DEVICE',
  'LIBUSB_ERROR_IO',
]);

/** OS / driver messages that mean "somebody else holds it" (sharing rule 7, docs/design.md). */
// "interface is busy" / "device is busy" are the wordings of usb 3.x (node-usb-rs) on a claim
// that another driver or process holds.
const BUSY_PATTERN =
  /\b(EBUSY|EAGAIN|Resource busy|Resource temporarily unavailable|Cannot lock port|LIBUSB_ERROR_BUSY|errno 16|(?:interface|device) is busy)\b/i;
const GONE_PATTERN =
  /\b(ENODEV|EIO|ENXIO|ECONNRESET|EPIPE|No such device|Input\/output error|disconnected|device (?:was )?(?:lost|removed))\b/i;

/** OS / driver codes and wordings that mean "you may not open this" (never retried). */
const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'LIBUSB_ERROR_ACCESS']);
const PERMISSION_PATTERN =
  /\b(EACCES|EPERM|LIBUSB_ERROR_ACCESS|Permission denied|Operation not permitted|Access denied)\b/i;

/** True when the OS refused access: retrying cannot help, a permission change can. */
export function isPermissionDenied(err: unknown): boolean {
  if (err instanceof PermissionError) return true;
  if (err instanceof LabbenchError) return false;
  const code = errorCodeOf(err);
  if (code !== undefined && PERMISSION_CODES.has(code)) return true;
  return code === undefined && PERMISSION_PATTERN.test(errorMessageOf(err));
}

function errorCodeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function errorMessageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** True when `err` says the handle is dead and must be replaced (not merely slow). */
export function isDeviceGone(err: unknown): boolean {
  if (err instanceof LabbenchError) return err.code === 'E_DISCONNECTED';
  const code = errorCodeOf(err);
  if (code !== undefined && GONE_CODES.has(code)) return true;
  return GONE_PATTERN.test(errorMessageOf(err));
}

/** True when `err` says another holder has the device (retry the open later). */
export function isBusy(err: unknown): boolean {
  if (err instanceof LabbenchError) return err.code === 'E_BUSY';
  const code = errorCodeOf(err);
  if (code === 'EBUSY' || code === 'EAGAIN' || code === 'LIBUSB_ERROR_BUSY') return true;
  return BUSY_PATTERN.test(errorMessageOf(err));
}

/**
 * The single place where foreign errors become `LabbenchError`s. Already-typed errors pass
 * through unchanged; OS errors are classified; anything else becomes `E_PROTOCOL` with the
 * original kept as `cause`, so nothing is lost.
 */
export function toLabbenchError(
  err: unknown,
  context: { resource?: string; action?: string } = {},
): LabbenchError {
  if (err instanceof LabbenchError) return err;
  const where = context.resource ? ` on ${context.resource}` : '';
  const what = context.action ? `${context.action} failed${where}` : `Failure${where}`;
  const detail = errorMessageOf(err);
  const options = { resource: context.resource, cause: err };
  // First: a refusal by the OS is not "busy" and not "gone", whatever else its text says.
  if (isPermissionDenied(err)) {
    return new PermissionError(
      `${what}: permission denied (${detail}). The operating system refuses access: add the Node-RED user to the 'dialout' group (serial ports; log in again afterwards) or install a udev rule granting access (USB instruments), then redeploy.`,
      options,
    );
  }
  if (isBusy(err)) {
    return new BusyError(
      `${what}: the device is in use by another program or node (${detail}). Close the other user or wait, then retry.`,
      options,
    );
  }
  if (isDeviceGone(err)) {
    return new DisconnectedError(
      `${what}: the device went away (${detail}). Check the cable and power; the next message reopens it.`,
      options,
    );
  }
  const code = errorCodeOf(err);
  if (code === 'ENOENT') {
    return new NotFoundError(
      `${what}: no such device (${detail}). Check the port path or resource string.`,
      options,
    );
  }
  return new ProtocolError(`${what}: ${detail}`, options);
}

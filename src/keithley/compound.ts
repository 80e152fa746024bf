/**
 * Several queries in one round trip: `q1;q2;…` is one program message, and SCPI-99 has the
 * instrument answer it with one response message, the replies joined by ';'. A state read of the
 * 2281S is 8 (supply) or 14 (battery) queries; compounded it is one round trip.
 *
 * If the instrument refuses the compound (an error, no answer) or answers in another shape (a
 * different number of replies), the driver remembers that for the session and asks one query at
 * a time from then on. Error 700 (wrong entry function) is not a refusal of the compound form:
 * it is passed on so the client's function-retry logic sees it.
 */
import { LabbenchError, TimeoutError } from '../core/errors';
import { MAX_PROGRAM_MESSAGE, splitOutsideQuotes } from '../visa/scpi-format';
import type { Keithley2281S } from './driver';
import { isWrongFunctionError } from './driver';
import type { InstrumentIo } from './io';

/** The replies to `queries`, in order: one compound round trip when the instrument takes it. */
export async function queryAll(
  io: InstrumentIo,
  driver: Keithley2281S,
  queries: readonly string[],
): Promise<string[]> {
  const compound = queries.join(';');
  if (queries.length > 1 && driver.compoundQueries !== 'refused' && compound.length <= MAX_PROGRAM_MESSAGE) {
    let reply: string | undefined;
    try {
      reply = await io.query(compound);
    } catch (err) {
      if (isWrongFunctionError(err) || !isRefusal(err)) throw err;
    }
    const replies = reply === undefined ? [] : splitOutsideQuotes(reply, ';');
    if (reply !== undefined && replies.length === queries.length && replies.every((r) => r !== '')) {
      driver.compoundQueries = 'works';
      return replies;
    }
    driver.compoundQueries = 'refused';
    // Whatever the refusal left in the error queue belongs to the compound, not to the next
    // command: read it away before asking one query at a time.
    await io.session.readErrorQueue({ signal: io.signal });
  }
  const out: string[] = [];
  for (const query of queries) out.push(await io.query(query));
  return out;
}

/** A compound the instrument did not answer properly: an error-queue entry or no reply at all. */
function isRefusal(err: unknown): boolean {
  return err instanceof TimeoutError || (err instanceof LabbenchError && err.code === 'E_DEVICE_ERROR');
}

// Cancelling fit() with an AbortSignal: checking the option, and the error an aborted fit rejects
// with. Callers tell an abort from a failure by `name === 'AbortError'`, as with fetch().
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';

/** The `signal` option checked: an AbortSignal or nothing. */
export function checkSignal(v: unknown): AbortSignal | undefined {
  if (v === undefined) return undefined;
  // A look-alike ({ aborted: false }) would never fire: only the real thing is accepted.
  if (typeof AbortSignal === 'undefined' || !(v instanceof AbortSignal)) throw new ValueError(`signal must be an AbortSignal, got ${describeValue(v)}`);
  return v;
}

/**
 * What an aborted fit rejects with: the signal's reason when it is already an AbortError (the
 * default reason of AbortController.abort()), else a new AbortError that mentions the reason.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const message = reason === undefined ? 'fit() was aborted' : `fit() was aborted: ${reason instanceof Error ? reason.message : describeValue(reason)}`;
  if (typeof DOMException !== 'undefined') return new DOMException(message, 'AbortError');
  const e = new Error(message);
  e.name = 'AbortError';
  return e;
}

/** Whether `e` is what an aborted fit rejects with. */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** Throws the AbortError when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortError(signal);
}

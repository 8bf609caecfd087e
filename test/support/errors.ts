// Asserting on the library's errors: the exact class and the message, plus how long the failing
// call took, for the tests that prove hostile input is refused quickly.
import * as assert from 'uvu/assert';
import { ValueError, type ShapeError } from '../../src/errors.ts';

export type ErrorClass = typeof ShapeError | typeof ValueError;

export interface Failure {
  message: string;
  /** Milliseconds from the call to the error. */
  ms: number;
}

function check(e: unknown, kind: ErrorClass, pattern: RegExp, ms: number): Failure {
  assert.instance(e, kind, `${(e as Error).name}: ${String((e as Error).message).slice(0, 300)}`);
  assert.match((e as Error).message, pattern);
  return { message: (e as Error).message, ms };
}

/** Calls fn, requiring it to throw `kind` with a message matching `pattern`. */
export function expectThrow(fn: () => unknown, kind: ErrorClass, pattern: RegExp): Failure {
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    return check(e, kind, pattern, performance.now() - t0);
  }
  assert.unreachable(`expected ${kind.name} matching ${pattern}`);
  throw new Error('unreachable');
}

/** Calls fn, requiring a ValueError matching `pattern` within `ms` milliseconds (refused before allocating). */
export function expectQuickValueError(fn: () => unknown, pattern: RegExp, ms = 1000): void {
  const took = expectThrow(fn, ValueError, pattern).ms;
  assert.ok(took < ms, `${pattern}: ${took.toFixed(0)} ms`);
}

/** Calls fn, requiring its promise to reject with `kind` and a message matching `pattern`. */
export async function expectReject(fn: () => Promise<unknown>, kind: ErrorClass, pattern: RegExp): Promise<Failure> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (e) {
    return check(e, kind, pattern, performance.now() - t0);
  }
  assert.unreachable(`expected ${kind.name} matching ${pattern}`);
  throw new Error('unreachable');
}

/** What `work` throws, whatever its class (failing the test when it returns). */
export function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (e) {
    return e as Error;
  }
  return assert.unreachable('expected an error') as never;
}

/** What `work`'s promise rejects with (failing the test when it resolves). */
export async function rejected(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (e) {
    return e as Error;
  }
  return assert.unreachable('expected a rejection') as never;
}

// WebGPU reports an error to the innermost open error scope, or, when none is open, to the device's
// 'uncapturederror' event, which every user of a shared device hears. The library therefore runs its
// own device calls inside error scopes and hands each error to the call that caused it: another
// model, another caller, or the app that shares the device never sees it, and an error of theirs
// never reaches the library.
import { GPUError } from '../errors.ts';

/** Pushed in this order, popped in the reverse one. */
const FILTERS: readonly GPUErrorFilter[] = ['internal', 'out-of-memory', 'validation'];

/**
 * Settles once the device has checked a group of calls: rejects with a GPUError when it reported
 * one. It is marked handled, so a check nobody awaits never becomes an unhandled rejection.
 */
export type ErrorCheck = Promise<void>;

interface Frame {
  /** Checks of nested captures, settled with this frame's outcome. */
  joined: ((check: ErrorCheck) => void)[];
}

function handled(check: ErrorCheck): ErrorCheck {
  check.catch(() => undefined);
  return check;
}

export class ErrorScopes {
  readonly #device: GPUDevice;
  readonly #frames: Frame[] = [];
  /** Per buffer, the checks of calls that wrote it and whose errors nobody was told yet. */
  readonly #unreported = new WeakMap<GPUBuffer, Set<ErrorCheck>>();

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /**
   * Runs `body`, which must be synchronous, with the device's errors caught. A capture inside another
   * joins the outer one (the device tells only the innermost scope, and the outer call is the one
   * its caller knows about): its check settles with the outer one's.
   */
  capture<T>(what: string, body: () => T): { value: T; check: ErrorCheck } {
    let settle: (outcome: ErrorCheck) => void = () => undefined;
    const check = handled(new Promise<void>((resolve, reject) => {
      settle = (outcome) => void outcome.then(resolve, reject);
    }));
    const outer = this.#frames.at(-1);
    if (outer !== undefined) {
      outer.joined.push(settle);
      return { value: body(), check };
    }
    for (const filter of FILTERS) this.#device.pushErrorScope(filter);
    const frame: Frame = { joined: [settle] };
    this.#frames.push(frame);
    try {
      return { value: body(), check };
    } finally {
      this.#frames.pop();
      // A lost device may reject the pop; loss is reported by the context, not as a GPUError here.
      const popped = FILTERS.map(() => this.#device.popErrorScope().catch(() => null));
      const outcome = handled(Promise.all(popped).then((errors) => {
        const first = errors.find((e) => e !== null);
        if (first !== undefined && first !== null) throw new GPUError(`WebGPU error in ${what}: ${first.message}`);
      }));
      for (const join of frame.joined) join(outcome);
    }
  }

  /** Remembers that `checks` wrote `buffers`, until one reads them back (take) or the check passes. */
  note(buffers: readonly GPUBuffer[], checks: readonly ErrorCheck[]): void {
    for (const buffer of buffers) {
      let set = this.#unreported.get(buffer);
      if (set === undefined) {
        set = new Set();
        this.#unreported.set(buffer, set);
      }
      const own = set;
      for (const check of checks) {
        if (own.has(check)) continue;
        own.add(check);
        check.then(() => own.delete(check), () => undefined);
      }
    }
  }

  /** The checks still open, or failed and unreported, for what `buffer` holds. */
  pending(buffer: GPUBuffer): ErrorCheck[] {
    return [...(this.#unreported.get(buffer) ?? [])];
  }

  /** Like pending(), and forgets them: each error is reported once, by the read that takes it. */
  take(buffer: GPUBuffer): ErrorCheck[] {
    const set = this.#unreported.get(buffer);
    if (set === undefined) return [];
    const list = [...set];
    set.clear();
    return list;
  }
}

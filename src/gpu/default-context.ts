// The context that models made without one (`new LogisticRegression()`) share: created on first use
// by createContext() with its defaults (the best engine there is: WebGPU, else 'js' with one
// warning), then handed to every such model. The library owns it; destroyDefaultContext() frees it.
import { createContext, type GpuContext } from './context.ts';

let shared: Promise<GpuContext> | null = null;
/** The context `shared` resolved to, once it has. */
let made: GpuContext | null = null;

/** Whether `ctx` can still be used (not destroyed, device not lost). */
function usable(ctx: GpuContext): boolean {
  try {
    ctx.assertUsable();
    return true;
  } catch {
    return false;
  }
}

/**
 * The shared default context: the same promise on every call, made by createContext() on the first.
 * Once it is destroyed (or its device lost) the next call makes a new one; models already on the old
 * one keep it and throw StateError (or DeviceLostError) on use. A creation that failed is retried by
 * the next call rather than remembered.
 */
export function defaultContext(): Promise<GpuContext> {
  if (made !== null && !usable(made)) {
    shared = null;
    made = null;
  }
  if (shared === null) {
    const p = createContext();
    shared = p;
    p.then((ctx) => {
      if (shared === p) made = ctx;
    }, () => {
      if (shared === p) shared = null;
    });
  }
  return shared;
}

/**
 * Frees the shared default context (its device and every buffer on it, the parameters of models that
 * use it included: destroy those models first, as they throw StateError afterwards). Does nothing when
 * none was made; the next model that needs one makes a new one.
 */
export async function destroyDefaultContext(): Promise<void> {
  const current = shared;
  shared = null;
  made = null;
  if (current === null) return;
  const ctx = await current.catch(() => null);
  ctx?.destroy();
}

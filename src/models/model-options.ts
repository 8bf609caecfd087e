// The estimators' constructor options: each model's known names, so a typo (or another model's
// option) is refused instead of silently ignored.
import { GpuContext, requireContext } from '../gpu/context.ts';
import { ValueError } from '../errors.ts';
import { describeValue } from '../validate.ts';

/** Each estimator's constructor options: another model's option (nClasses for LinearRegression...) is a mistake too. */
const MODEL_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  LogisticRegression: ['nFeatures', 'fitIntercept', 'threshold', 'loss', 'activation'],
  SoftmaxRegression: ['nFeatures', 'nClasses', 'fitIntercept'],
  LinearRegression: ['nFeatures', 'nOutputs', 'fitIntercept'],
};

/** Rejects unknown constructor options so a typo is not silently ignored. */
export function checkModelOptions(model: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${model} options must be an object, got ${describeValue(options)}`);
  }
  const known = MODEL_OPTIONS[model] ?? [];
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) throw new ValueError(`${model}: unknown option '${key}' (known: ${known.join(', ')})`);
    // null is not "the default": leaving the option out is.
    if (value === null) throw new ValueError(`${model}: ${key} must not be null (leave it out for the default)`);
  }
}

/**
 * A constructor's or fromJSON()'s arguments: `(ctx, second)` when a context comes first or two are
 * given (the explicit form: a bad ctx, null included, is refused by name), else `(first?)` with no
 * context (the model takes the default context on its first fit()).
 */
export function splitContext(first: unknown, second: unknown): { ctx: GpuContext | null; rest: unknown } {
  if (first instanceof GpuContext || second !== undefined) return { ctx: requireContext(first), rest: second };
  return { ctx: null, rest: first };
}

// The feature matrices the estimators take (X of fit, validation.X, predict, predictProba, score,
// loss), checked the same way at every entry point: f32 values, or bytes with a scale.
import { checkByteMatrix, isByteArray, type ByteMatrix, type CheckedFeatures } from '../step/training-set.ts';
import { ShapeError, StateError, ValueError } from '../errors.ts';
import { GpuMatrix } from '../matrix.ts';
import type { MatrixInput } from '../types.ts';
import { describeShape, describeValue, toHostMatrix } from '../validate.ts';

/** Features as the estimators take them: any matrix input, or bytes with a scale. */
export type FeaturesInput = MatrixInput | ByteMatrix;

/** The keys of a `{ data, rows, cols }` features object; `scale` only where data is bytes. */
const KEYS: readonly string[] = ['data', 'rows', 'cols', 'scale'];

function isMatrixObject(X: unknown): X is Record<string, unknown> & { data: unknown } {
  return typeof X === 'object' && X !== null && !Array.isArray(X) && !(X instanceof GpuMatrix) && 'data' in X;
}

/**
 * Checks X against the model's nFeatures (when known). Uint8Array and Uint8ClampedArray data are bytes (each
 * value byte·scale); a misspelt key, or a scale on data that is not bytes, is an error rather than
 * silently ignored (it would give answers for unscaled data).
 */
export function checkFeatures(name: string, X: unknown, nFeatures: number | undefined): CheckedFeatures {
  let m: CheckedFeatures;
  if (isMatrixObject(X)) {
    for (const key of Object.keys(X)) {
      if (!KEYS.includes(key)) throw new ValueError(`${name}: unknown key '${key}' (expected data, rows, cols, and scale for byte data)`);
    }
    if (isByteArray(X.data)) {
      m = checkByteMatrix(name, X as unknown as ByteMatrix);
    } else {
      if (X.scale !== undefined) {
        throw new ValueError(
          `${name}.scale applies to byte data only (a Uint8Array or Uint8ClampedArray), but ${name}.data is ${describeValue(X.data)}: scale the values first, or pass the bytes`,
        );
      }
      m = toHostMatrix(name, X as unknown as MatrixInput);
    }
  } else {
    m = toHostMatrix(name, X as MatrixInput);
  }
  // undefined: a first fit() that takes nFeatures from X.
  if (nFeatures !== undefined && m.cols !== nFeatures) {
    throw new ShapeError(`${name} is ${describeShape(m)} but the model has nFeatures = ${nFeatures} (X needs ${nFeatures} columns)`);
  }
  return m;
}

/**
 * Throws when a caller's array lost its values while a call that reads it across awaits was
 * running: transferring (detaching) its ArrayBuffer, or shrinking a resizable one, leaves a typed
 * array shorter than rows·cols, which would otherwise end in a TypeError or in wrong numbers.
 */
export function checkIntact(name: string, m: { data: ArrayLike<number>; rows: number; cols: number }, during: string): void {
  if (m.data.length !== m.rows * m.cols) {
    throw new StateError(
      `${name} (${describeShape(m)}) now holds ${m.data.length} values: its ArrayBuffer was transferred or shrunk while ${during} was running; keep it intact until the call resolves`,
    );
  }
}

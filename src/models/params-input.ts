// Parameters {W, b} as setParams() and fit()'s `init` take them, checked against a model's shape.
import type { ParamsInput } from '../core/options.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { describeShape, describeValue, toF32Vector, toHostMatrix } from '../validate.ts';
import type { HostParams } from '../train/backend.ts';

/**
 * {W, b} checked against nFeatures×nOutputs and returned as flat f32 arrays; a shape the model does
 * not know yet (undefined: before its first fit()) is W's.
 */
export function checkParams(name: string, p: ParamsInput, knownFeatures: number | undefined, knownOutputs: number | undefined, fitIntercept: boolean): HostParams {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new ValueError(`${name} must be { W, b }, got ${describeValue(p)}`);
  for (const key of Object.keys(p)) {
    if (key !== 'W' && key !== 'b') throw new ValueError(`${name}: unknown key '${key}' (expected W and b)`);
  }
  const W = toHostMatrix(`${name}.W`, p.W);
  const nFeatures = knownFeatures ?? W.rows;
  const nOutputs = knownOutputs ?? W.cols;
  if (W.rows !== nFeatures || W.cols !== nOutputs) {
    throw new ShapeError(`${name}.W is ${describeShape(W)} but must be ${nFeatures}×${nOutputs}`);
  }
  let b: Float32Array = new Float32Array(nOutputs);
  if (p.b !== undefined) {
    const given: unknown = p.b;
    if (!Array.isArray(given) && !(ArrayBuffer.isView(given) && !(given instanceof DataView))) {
      throw new ValueError(`${name}.b must be an array of ${nOutputs} numbers, got ${describeValue(given)}`);
    }
    const values = given as ArrayLike<unknown>;
    if (values.length !== nOutputs) throw new ShapeError(`${name}.b has ${values.length} values but must have ${nOutputs}`);
    b = toF32Vector(`${name}.b`, values);
  }
  if (!fitIntercept && b.some((v) => v !== 0)) throw new ValueError(`${name}.b must be zero when fitIntercept is false`);
  return { W: W.data, b };
}

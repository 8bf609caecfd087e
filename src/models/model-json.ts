// The serialized form of a model (toJSON / fromJSON) and its complete check. Its settings must be
// exactly those toJSON() writes for the model: a missing one is an error, not a default. Keys beside
// the model's fields (the train command saves `preprocessing` there) are the caller's and left alone.
import { ShapeError, ValueError } from '../errors.ts';
import { checkPositiveInt, describeValue, toF32Vector } from '../validate.ts';

/** The serialized form of a fitted model (toJSON / fromJSON). */
export interface ModelJSON {
  format: 'webgpu-logreg';
  version: 1;
  model: string;
  nFeatures: number;
  nOutputs: number;
  fitIntercept: boolean;
  /** Model-specific settings (threshold, loss...). */
  settings: Record<string, number | string | boolean>;
  /** Row-major nFeatures×nOutputs. */
  W: number[];
  b: number[];
}

/** What settings() writes for each model: every key is required, no other is allowed. */
const SETTINGS: Readonly<Record<string, readonly string[]>> = {
  LogisticRegression: ['threshold', 'loss'],
  SoftmaxRegression: ['nClasses'],
  LinearRegression: [],
};

/** Settings added after files were first written: allowed, and when absent their default (sigmoid) holds. */
const LATER_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  LogisticRegression: ['activation'],
};

/**
 * The settings hold the model's own options; their values are checked again by the constructor.
 * A missing one would silently become its default, and a SoftmaxRegression whose nClasses differs
 * from nOutputs is not a model toJSON() can have written.
 */
function checkSettings(where: string, model: string, settings: unknown, nOutputs: number): void {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ValueError(`${where}: settings must be an object, got ${describeValue(settings)}`);
  }
  const expected = SETTINGS[model] ?? [];
  const known = [...expected, ...(LATER_SETTINGS[model] ?? [])];
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) {
      throw new ValueError(`${where}: unknown setting '${key}' (a ${model} has ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
  }
  const s = settings as Record<string, unknown>;
  for (const key of expected) {
    if (s[key] === undefined) throw new ValueError(`${where}: settings.${key} is missing`);
  }
  if (model === 'SoftmaxRegression' && s.nClasses !== nOutputs) {
    throw new ValueError(`${where}: settings.nClasses is ${describeValue(s.nClasses)} but nOutputs is ${nOutputs} (they must agree)`);
  }
}

/**
 * Checks a ModelJSON completely before a subclass rebuilds the model from it: once the model's
 * buffers exist nothing may fail, or fromJSON would throw with GPU buffers allocated and unreachable.
 */
export function checkModelJSON(json: unknown, model: string): ModelJSON {
  const where = `${model}.fromJSON`;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ValueError(`${where}: expected an object, got ${describeValue(json)}`);
  const j = json as Partial<ModelJSON>;
  if (j.format !== 'webgpu-logreg' || j.version !== 1) {
    throw new ValueError(`${where}: not a webgpu-logreg v1 model (format ${describeValue(j.format)}, version ${describeValue(j.version)})`);
  }
  if (j.model !== model) throw new ValueError(`${where}: the JSON holds a ${describeValue(j.model)}`);
  const nFeatures = checkPositiveInt(`${where}: nFeatures`, j.nFeatures);
  const nOutputs = checkPositiveInt(`${where}: nOutputs`, j.nOutputs);
  if (model === 'LogisticRegression' && nOutputs !== 1) throw new ValueError(`${where}: nOutputs must be 1, got ${nOutputs}`);
  if (typeof j.fitIntercept !== 'boolean') throw new ValueError(`${where}: fitIntercept must be true or false, got ${describeValue(j.fitIntercept)}`);
  checkSettings(where, model, j.settings, nOutputs);
  if (!Array.isArray(j.W)) throw new ValueError(`${where}: W must be an array, got ${describeValue(j.W)}`);
  if (!Array.isArray(j.b)) throw new ValueError(`${where}: b must be an array, got ${describeValue(j.b)}`);
  if (j.W.length !== nFeatures * nOutputs) {
    throw new ShapeError(`${where}: W has ${j.W.length} values but nFeatures×nOutputs is ${nFeatures}×${nOutputs} (${nFeatures * nOutputs} values)`);
  }
  if (j.b.length !== nOutputs) throw new ShapeError(`${where}: b has ${j.b.length} values but nOutputs is ${nOutputs}`);
  toF32Vector(`${where}: W`, j.W);
  const b = toF32Vector(`${where}: b`, j.b);
  if (!j.fitIntercept && b.some((v) => v !== 0)) throw new ValueError(`${where}: b must be zero when fitIntercept is false`);
  return j as ModelJSON;
}

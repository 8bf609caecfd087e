// Which test files `npm run test:fast` runs, and on which step engine (scripts/run-tests.mjs).

/**
 * The edit-run loop: the Node suites that take seconds (the float64 trainer, data loaders, options,
 * docs, the harness's own logic, the layer order of src/), and GPU suites that cover each layer
 * once: the ops kernels against float64 (matmul, gradient), the step kernels a dispatch at a time,
 * the estimators against the float64 trainer, u8 storage and shards, and the engine choice. Left out: the Chrome-driven demo,
 * the package, CLI and Dawn tests (tens of seconds to minutes each) and the other GPU suites.
 */
export const FAST_FILES = [
  'cpu', 'cpu-train', 'cpu-train-stopping', 'cpu-weights', 'csv', 'docs', 'harness', 'idx', 'idx-dataset', 'layers', 'loop', 'objective',
  'preprocess', 'runner', 'standardizer', 'stopping', 'transforms',
  'matmul', 'gradient', 'step-kernels', 'estimators', 'training-set', 'engines',
].map((name) => `${name}.test.ts`);

/** The engine the engine-dependent suites run on in the fast loop when TEST_ENGINE does not say. */
export const FAST_ENGINE = 'gpu';

/** `names` (test file names) that are fast ones and match `filter` (TEST_FILES, case-insensitive as uvu). */
export function fastFiles(names, filter) {
  return names.filter((n) => FAST_FILES.includes(n) && new RegExp(filter, 'i').test(n));
}

/** File names as one anchored regex for uvu (matching nothing when there are none). */
export function filesPattern(names) {
  return `^(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})$`;
}

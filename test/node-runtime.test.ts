// The library in Node on Dawn (the `webgpu` npm package, a devDependency, so its absence fails here):
// createContext({ gpu: create([]) }) trains each estimator end to end, every epoch's loss and the
// final parameters agree with the float64 trainer, and GPU errors and device loss surface as the
// library's exceptions. Runs on SwiftShader's Vulkan where Chromium provides it (see node-gpu.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { relativeError, WorstCase } from './support/compare.ts';
import type { ErrorsOutput, FitOutput } from './support/dawn-worker.ts';
import { cpuFit, problem } from './support/models.ts';
import { dawnEnv, describeRun, lastJsonLine, resolveWebgpu, runNode } from './support/node-gpu.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';
import { clockTests } from './support/test-clock.ts';

const test = suite('Node runtime: Dawn (webgpu package)');
clockTests(test, 'Node runtime: Dawn (webgpu package)');
const ROOT = new URL('..', import.meta.url).pathname;
const PARAM_TOLERANCE = 1e-3; // ‖θ_dawn − θ_cpu‖/‖θ_cpu‖ after training
const LOSS_TOLERANCE = 1e-3; // per epoch, relative

async function runWorker<T>(job: unknown): Promise<T> {
  const run = await runNode(['--expose-gc', '--import', 'tsx', 'test/support/dawn-worker.ts'], {
    cwd: ROOT,
    env: dawnEnv(),
    input: JSON.stringify(job),
  });
  if (run.code !== 0) assert.unreachable(describeRun('the Dawn worker', run));
  return lastJsonLine<T>(run.stdout);
}

test('the webgpu package (a devDependency) is installed', () => {
  const where = resolveWebgpu(ROOT);
  assert.ok(where !== null, 'the devDependency "webgpu" is missing: run npm install (PUPPETEER_SKIP_DOWNLOAD=1 npm ci)');
});

test('logistic, softmax and linear regression trained on Dawn match the float64 trainer', async () => {
  const rng = mulberry32(testSeed('node runtime'));
  const runs: ModelRun[] = (['logistic', 'softmax', 'linear'] as const).map((model) => {
    const n = randomInt(rng, 40, 130);
    const d = randomInt(rng, 2, 13);
    const k = model === 'softmax' ? randomInt(rng, 3, 6) : 1;
    const { X, y } = problem(rng, model, n, d, k);
    const options: Record<string, unknown> = { nFeatures: d };
    if (model === 'softmax') options.nClasses = k;
    const batchSize = randomInt(rng, 5, 37);
    const fit = { epochs: 4, batchSize, learningRate: model === 'linear' ? 0.05 : 0.2, l2: 0.01, seed: randomInt(rng, 0, 1e6) };
    return { model, options, X, y, fit };
  });
  const out = await runWorker<FitOutput>({ kind: 'fit', runs });
  console.log(`  [node runtime] adapter: ${out.adapter.vendor} ${out.adapter.architecture} ${out.adapter.description}`.trimEnd());
  const worst = new WorstCase();
  runs.forEach((run, i) => {
    const got = out.results[i];
    assert.ok(got !== undefined, `result ${i} missing`);
    const ref = cpuFit(run);
    const where = `${run.model} n=${run.X.rows} d=${run.X.cols} batch=${String(run.fit.batchSize)}`;
    assert.is(got.history.epochs, 4, `${where}: epochs run`);
    got.history.loss.forEach((l, e) => {
      const r = ref.history.loss[e] as number;
      assert.ok(Math.abs(l - r) / Math.max(Math.abs(r), 1e-6) <= LOSS_TOLERANCE, `${where}: epoch ${e} loss ${l} vs ${r}`);
    });
    const err = relativeError([...got.W, ...got.b], [...ref.W.data, ...ref.b.data]);
    worst.record(err, where);
    assert.ok(err <= PARAM_TOLERANCE, `${where}: parameter error ${err}`);
    assert.is(got.liveAfterDestroy, 0, `${where}: buffers left after model.destroy()`);
  });
  worst.report('Dawn parameters');
});

test("under Dawn, the library's own GPU error rejects that call only, another owner's error is not the library's, device loss is DeviceLostError", async () => {
  const out = await runWorker<ErrorsOutput>({ kind: 'errors' });
  assert.is(out.afterAppError, null, `the app's invalid createBuffer broke the library's next read: ${JSON.stringify(out.afterAppError)}`);
  assert.is(out.appErrors.length, 1, "the app's own listener hears its error");
  assert.match(out.appErrors[0] ?? '', /MapRead/);
  assert.ok(out.validation !== null, 'reading back a buffer without COPY_SRC did not throw');
  assert.is(out.validation.name, 'GPUError');
  assert.ok(out.validation.isLibraryClass, 'the validation error is not a GPUError instance');
  assert.match(out.validation.message, /CopySrc/);
  assert.is(out.afterValidation, null, `the failed read poisoned the context: ${JSON.stringify(out.afterValidation)}`);
  assert.is(out.lostReason, 'destroyed');
  assert.ok(out.loss !== null, 'uploading to a lost device did not throw');
  assert.is(out.loss.name, 'DeviceLostError');
  assert.ok(out.loss.isLibraryClass, 'the loss error is not a DeviceLostError instance');
});

test.run();

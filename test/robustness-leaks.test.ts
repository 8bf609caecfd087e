// Leaks: 200 models created, fitted and destroyed on one context leave its live-buffer count where
// it started, destroying twice is harmless, destroying the context frees what is still alive, and
// the page's JS heap (measured after a forced garbage collection) does not grow with the models.
import * as assert from 'uvu/assert';
import type { Page } from 'puppeteer';
import { gpuSuite } from './support/gpu-suite.ts';
import { mulberry32, randomMatrix, testSeed } from './support/random.ts';

const { test, gpu } = gpuSuite('robustness: leaks');
const MODELS = 200;
const FEATURES = 128;
/**
 * Allowed growth over 200 models of the page's JS heap plus ArrayBuffer backing stores, after GC.
 * Destroyed models measured +51 KB at most here (V8's own warm-up); 200 models kept reachable
 * measured +416 KB (each holds a 128×3 float host copy of W, GpuMatrix and GPUBuffer wrappers).
 */
const HEAP_GROWTH_LIMIT = 200 * 1024;

/**
 * JS heap plus ArrayBuffer backing stores of the page after a full garbage collection, via the
 * DevTools protocol (typed arrays keep their data outside the JS heap proper).
 */
async function heapAfterGc(page: Page): Promise<number> {
  const session = await page.createCDPSession();
  try {
    await session.send('HeapProfiler.collectGarbage');
    const usage = (await session.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    return usage.usedSize + (usage.backingStorageSize ?? 0);
  } finally {
    await session.detach();
  }
}

test(`${MODELS} models created, fitted and destroyed on one context: live buffers and JS heap return to the start`, async () => {
  const rng = mulberry32(testSeed('leaks'));
  const X = randomMatrix(rng, 9, FEATURES, -1, 1);
  const data = {
    X,
    yBinary: Array.from({ length: 9 }, (_, i) => i % 2),
    yClasses: Array.from({ length: 9 }, (_, i) => i % 3),
    yReal: randomMatrix(rng, 9, 1).data,
  };
  const page = gpu().page;
  // Warm-up: compiled pipelines, JIT code and lazily built caches are not leaks.
  await gpu().call('modelChurn', { ...data, models: 30 });
  const heapBefore = await heapAfterGc(page);
  const r = await gpu().call('modelChurn', { ...data, models: MODELS });
  const heapAfter = await heapAfterGc(page);
  const growth = heapAfter - heapBefore;
  console.log(
    `  [leaks] live buffers ${r.start} → ${r.end} (peak ${r.worstLive}); JS heap + array buffers after GC ${heapBefore} → ${heapAfter} bytes ` +
      `(${growth >= 0 ? '+' : ''}${growth}); performance.memory.usedJSHeapSize ${r.heapStart} → ${r.heapEnd}`,
  );
  assert.is(r.end, r.start, 'live buffers back to the start value');
  assert.ok(r.worstLive > r.start, 'the counter did see the models’ buffers');
  assert.is(r.withSurvivor, r.start + 2, 'a live model holds exactly W and b');
  assert.is(r.afterContextDestroy, 0, 'ctx.destroy() frees what is still alive');
  assert.is(r.afterAll, 0, 'destroying the model and the context again is harmless');
  assert.ok(growth < HEAP_GROWTH_LIMIT, `JS heap grew by ${growth} bytes over ${MODELS} models`);
});

test.run();

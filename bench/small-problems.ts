// `npm run bench:small`: full-batch epochs of small problems in headless Chrome, read back one at a
// time (a do-nothing onEpochEnd) against queued in runs (no callback), alternated in one run. The
// shapes are those of wine (178×13, 3 classes) and digits (1797×64, 10 classes), with synthetic data:
// the time of an epoch depends on the shape alone. With Fashion-MNIST installed, it also times an
// epoch that reports validation metrics (as the train command's do) against a bare fit() epoch.
import { existsSync } from 'node:fs';
import { openBrowserSession } from '../harness/session.ts';
import { median } from './stats.ts';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const SHAPES = [
  { name: 'wine-shaped', n: 178, d: 13, k: 3 },
  { name: 'digits-shaped', n: 1797, d: 64, k: 10 },
];

interface Measured {
  engine: string;
  adapter: string;
  results: { name: string; n: number; d: number; k: number; epochs: number; times: { paced: number[]; queued: number[] }; sameLosses: boolean }[];
}

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

interface MetricsTimes {
  rows: number;
  validationRows: number;
  times: Record<string, number[]>;
}

const fashion = existsSync(`${FASHION_DIR}/train-images-idx3-ubyte.gz`);
const session = await openBrowserSession(ROOT, { mounts: { '/fashion': FASHION_DIR } });
try {
  await session.page.goto(`${session.url}/bench/small-problems.html`);
  await session.page.waitForFunction('window.measure !== undefined');
  const m = (await session.page.evaluate('window.measure({ shapes: ' + JSON.stringify(SHAPES) + ', epochs: 300, repeats: 5 })')) as Measured;
  console.log(`${new Date().toISOString().slice(0, 10)}, Chromium, ${m.adapter}, engine '${m.engine}', full batch, 300 epochs, median of 5 alternated fits:`);
  console.log('| shape | one readback an epoch (ms/epoch) | epochs queued in runs (ms/epoch) | speed-up | same epoch losses |');
  console.log('|---|---|---|---|---|');
  for (const r of m.results) {
    const paced = median(r.times.paced);
    const queued = median(r.times.queued);
    console.log(`| ${r.name} ${r.n}×${r.d}, ${r.k} classes | ${paced.toFixed(2)} | ${queued.toFixed(2)} | ${(paced / queued).toFixed(1)}× | ${r.sameLosses ? 'yes' : 'NO'} |`);
  }
  if (fashion) {
    const t = (await session.page.evaluate('window.measureMetrics({ epochs: 2, repeats: 3 })')) as MetricsTimes;
    const bare = median(t.times.bare ?? []);
    console.log(`\nFashion-MNIST, ${t.rows} training rows, ${t.validationRows} validation rows, batch 256, 2 epochs × 3 alternated fits per mode, median ms/epoch:`);
    console.log('| epoch reports | ms/epoch | × bare fit |');
    console.log('|---|---|---|');
    for (const [mode, ms] of Object.entries(t.times)) console.log(`| ${mode} | ${median(ms).toFixed(0)} | ${(median(ms) / bare).toFixed(2)}× |`);
  } else {
    console.log(`\n(${FASHION_DIR} not installed: the metrics overhead on Fashion-MNIST was not measured)`);
  }
} finally {
  await session.close();
}

// The benchmark page: the library (bundled from source), TF.js and the plain-JS loop in one page on
// one adapter. The driver calls globalThis.bench's methods; progress goes to the console.
import * as lib from '../src/index.ts';
import { createBenchApi } from './suite.ts';
import { tfjsTrainer } from './tfjs.ts';

/** Where the static server mounts the Fashion-MNIST directory. */
export const DATASET_URL = '/datasets/fashion-mnist';

async function fetchBytes(name: string): Promise<Uint8Array> {
  const response = await fetch(`${DATASET_URL}/${name}`);
  if (!response.ok) throw new Error(`fetching ${DATASET_URL}/${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
if (gpu === undefined) throw new Error('this page has no navigator.gpu (it needs --enable-unsafe-webgpu and a 127.0.0.1 origin)');

(globalThis as unknown as { bench: unknown }).bench = createBenchApi({
  lib,
  gpu,
  runtime: 'browser',
  source: fetchBytes,
  extraTrainers: [tfjsTrainer('webgpu'), tfjsTrainer('wasm')],
  progress: (line) => console.log(`[bench] ${line}`),
});

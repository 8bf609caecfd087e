// The grid-search case: GridSearch over eight learning rates against the eight separate fits it
// replaces, timed one after the other in the same session on the same rows. Both sides run the same
// epochs with the same validation set, so the ratio is what choosing a rate costs either way.
import type * as Lib from '../src/index.ts';
import type { TrainingData } from './data.ts';
import type { LibModule } from './ours.ts';
import type { GridReport } from './types.ts';

/** The specified case: 20000 training rows, eight rates, batch 256. */
export const GRID_ROWS = 20000;
export const GRID_RATES: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
export const GRID_BATCH = 256;
export const GRID_EPOCHS = 2;
/** Validation rows after the training rows (fewer when the data set is small). */
const VALIDATION_ROWS = 2000;

function slice(d: TrainingData, start: number, rows: number): { X: Lib.MatrixInput; y: Int32Array } {
  const { d: cols } = d.info;
  return { X: { data: d.X.subarray(start * cols, (start + rows) * cols), rows, cols }, y: Int32Array.from(d.labels.subarray(start, start + rows)) };
}

/** Times the grid and the separate fits on the first rows of `data`, after a warm-up of both on a few rows. */
export async function runGrid(lib: LibModule, ctx: Lib.GpuContext, data: TrainingData, progress: (line: string) => void): Promise<GridReport> {
  const { n, d, k } = data.info;
  const held = Math.min(VALIDATION_ROWS, Math.max(1, Math.floor(n / 5)));
  const rows = Math.min(GRID_ROWS, n - held);
  const train = slice(data, 0, rows);
  const validation = slice(data, rows, held);
  const fitOptions = { epochs: GRID_EPOCHS, batchSize: GRID_BATCH, seed: 1 };

  const separate = async (part: { X: Lib.MatrixInput; y: Int32Array }, epochs: number): Promise<number[]> => {
    const losses: number[] = [];
    for (const learningRate of GRID_RATES) {
      const model = new lib.SoftmaxRegression(ctx, { nFeatures: d, nClasses: k });
      try {
        const h = await model.fit(part.X, part.y, { ...fitOptions, epochs, learningRate, validation });
        losses.push(h.valLoss?.at(-1) ?? Number.NaN);
      } finally {
        model.destroy();
      }
    }
    return losses;
  };
  const grid = async (part: { X: Lib.MatrixInput; y: Int32Array }, epochs: number): Promise<number[]> => {
    const search = new lib.GridSearch(ctx, lib.SoftmaxRegression, { nFeatures: d, nClasses: k }, { learningRate: GRID_RATES });
    try {
      const result = await search.fit(part.X, part.y, { ...fitOptions, epochs, validation, scoring: 'loss' });
      return result.candidates.map((c) => c.validationLoss);
    } finally {
      search.destroy();
    }
  };

  // Warm-up on a slice with the same batch shapes, so compilation stays out of both timings.
  const warm = slice(data, 0, Math.min(rows, 2 * GRID_BATCH + (rows % GRID_BATCH)));
  await separate(warm, 1);
  await grid(warm, 1);

  const t0 = performance.now();
  const one = await separate(train, GRID_EPOCHS);
  const separateMs = performance.now() - t0;
  const t1 = performance.now();
  const all = await grid(train, GRID_EPOCHS);
  const gridMs = performance.now() - t1;
  let maxValLossDiff = 0;
  all.forEach((v, i) => {
    const ref = one[i] as number;
    maxValLossDiff = Math.max(maxValLossDiff, Math.abs(v - ref) / Math.max(Math.abs(ref), 1e-12));
  });
  progress(`grid of ${GRID_RATES.length} rates on ${rows} rows: ${gridMs.toFixed(0)} ms, separate fits ${separateMs.toFixed(0)} ms, ratio ${(gridMs / separateMs).toFixed(3)}`);
  return {
    rows, validationRows: held, d, k, candidates: GRID_RATES.length, epochs: GRID_EPOCHS, batchSize: GRID_BATCH,
    gridMs, separateMs, ratio: gridMs / separateMs, maxValLossDiff,
  };
}

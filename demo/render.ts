// What the page draws from the data and the model: the stats and the two charts after every epoch,
// and the figures for the kind of data (decision regions, weights, templates, samples, confusion).
import { argmax, confusionMatrix, type HostMatrix } from '../src/index.ts';
import { drawLineChart } from './charts.ts';
import type { Prepared } from './datasets.ts';
import { byId, fixed, percent, radioValue, setStat, svgById } from './dom.ts';
import type { DemoModel } from './model.ts';
import { drawConfusion, drawRegions, drawSamples, drawTemplates, drawWeightTable } from './plots.ts';

/** Grid cells per side for decision regions: enough for smooth shading after upscaling. */
export const GRID = 60;
const SAMPLE_COUNT = 8;

/** Which figures go in which column for each kind of data, so the two columns come out about even. */
const LAYOUT: Record<Prepared['kind'] | 'none', [string[], string[]]> = {
  points: [['regions-figure', 'weights-figure'], ['charts', 'confusion-figure']],
  images: [['templates-figure', 'samples-figure'], ['charts', 'confusion-figure']],
  table: [['charts'], ['weights-figure', 'confusion-figure']],
  none: [['charts'], ['confusion-figure']],
};

export interface Curves {
  loss: number[];
  valLoss: number[];
  accuracy: number[];
  valAccuracy: number[];
}

export function emptyCurves(): Curves {
  return { loss: [], valLoss: [], accuracy: [], valAccuracy: [] };
}

/** Shows the figures for this kind of data (none: no data loaded), arranged in the two columns. */
export function layOut(data: Prepared | null): void {
  byId('data-note').textContent = data?.note ?? '';
  const view = data?.kind ?? 'none';
  byId('app').dataset['view'] = view;
  for (const fig of document.querySelectorAll<HTMLElement>('.figures [data-for]')) fig.hidden = !(fig.dataset['for'] ?? '').split(' ').includes(view);
  LAYOUT[view].forEach((ids, column) => {
    const target = byId(column === 0 ? 'column-a' : 'column-b');
    for (const id of ids) target.append(byId(id));
  });
}

/**
 * The stats and the two charts after `epoch` epochs, the x axis spanning `planned` (null: the
 * epochs field is unreadable, which only affects the x range).
 */
export function drawCurves(c: Curves, epoch: number, planned: number | null): void {
  const last = (a: number[]): number => (a.length === 0 ? Number.NaN : (a[a.length - 1] as number));
  setStat('stat-epoch', epoch, String(epoch));
  setStat('stat-loss', last(c.loss), fixed(last(c.loss)));
  setStat('stat-val-loss', last(c.valLoss), fixed(last(c.valLoss)));
  setStat('stat-accuracy', last(c.accuracy), percent(last(c.accuracy)));
  setStat('stat-val-accuracy', last(c.valAccuracy), percent(last(c.valAccuracy)));
  const epochs = Math.max(epoch, planned ?? epoch);
  const empty = document.body.dataset['state'] === 'training' ? `epoch ${epoch + 1} is running…` : 'press Start to train';
  drawLineChart(svgById('loss-chart'), [
    { name: 'train', label: 'train', values: c.loss, color: '#4e79a7' },
    { name: 'validation', label: 'validation', values: c.valLoss, color: '#f28e2b', dashed: true },
  ], { epochs, format: (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2)), empty });
  // Accuracy from 50% up while it stays there (the interesting range), else from 0.
  const lowest = Math.min(...c.accuracy.filter(Number.isFinite), ...c.valAccuracy.filter(Number.isFinite));
  drawLineChart(svgById('accuracy-chart'), [
    { name: 'train', label: 'train', values: c.accuracy, color: '#4e79a7' },
    { name: 'validation', label: 'validation', values: c.valAccuracy, color: '#f28e2b', dashed: true },
  ], { epochs, format: (v) => `${Math.round(100 * v)}%`, yRange: [lowest >= 0.5 ? 0.5 : 0, 1], empty });
}

/** The figures of the model on the data (empty ones without a model); `grid`: the featurized grid of 2-D data. */
export async function drawFigures(data: Prepared, grid: HostMatrix | null, model: DemoModel | null): Promise<void> {
  const k = data.nClasses;
  const valScores = model === null ? null : await model.scores(data.val.X);
  const predicted = valScores === null ? null : argmax(valScores);
  const counts = predicted === null ? new Array<number>(k * k).fill(0) : confusionMatrix(data.val.y, predicted, k).flat();
  drawConfusion(byId('confusion'), counts, k, data.classNames);

  if (data.points !== undefined && grid !== null) {
    const gridScores = model === null ? null : await model.scores(grid);
    drawRegions(byId<HTMLCanvasElement>('regions'), data.points.view, GRID, gridScores?.data ?? null, k, [
      { X: data.points.train, y: data.train.y, hollow: false },
      { X: data.points.val, y: data.val.y, hollow: true },
    ]);
  }
  const params = model === null ? null : await model.params();
  // Logistic regression has one output (class 1 against class 0), the others one per class.
  const outputs = params?.outputs ?? (radioValue('model') === 'logistic' ? 1 : k);
  const outputNames = outputs === k ? data.classNames : [`${data.classNames[1] ?? '1'} vs ${data.classNames[0] ?? '0'}`];
  if (data.kind === 'images' && data.image !== undefined) {
    const { rows, cols } = data.image;
    const W = params?.W ?? new Float32Array(rows * cols * outputs);
    drawTemplates(byId('templates'), W, outputs, rows, cols, outputNames);
    const samples = Array.from({ length: Math.min(SAMPLE_COUNT, data.val.y.length) }, (_, i) => ({
      pixels: data.val.X.data.subarray(i * rows * cols, (i + 1) * rows * cols),
      label: data.val.y[i] as number,
      probs: valScores === null ? new Float32Array(k) : valScores.data.slice(i * k, (i + 1) * k),
    }));
    drawSamples(byId('samples'), samples, rows, cols, data.classNames);
  } else {
    drawWeightTable(byId('weights'), params?.W ?? new Float32Array(data.train.X.cols * outputs), params?.b ?? new Float32Array(outputs), data.featureNames, outputNames.slice(0, outputs));
  }
}

// "Compare learning rates": one GridSearch over the rates typed in, on the page's data, model and
// gradient-descent settings. Every candidate trains in the same pass over the data; the chart
// grows one training-loss curve per rate as the epochs end, and a table says which rate scores
// best on the validation set.
import { GridSearch, LinearRegression, LogisticRegression, oneHot, SoftmaxRegression, type GpuContext, type LearningRateSchedule } from '../src/index.ts';
import { drawLineChart, type Series } from './charts.ts';
import type { ModelKind, OptimizerName, Part } from './model.ts';

/** What the page hands over when Compare is pressed: its data and current settings. */
export interface CompareSetup {
  ctx: GpuContext;
  kind: ModelKind;
  nClasses: number;
  train: Part;
  val: Part;
  epochs: number;
  batchSize: number;
  l2: number;
  /** Every candidate's optimizer, each with its own state. */
  optimizer: OptimizerName;
  /** The schedule whose `initial` each rate replaces; null for a constant rate. */
  schedule: Exclude<LearningRateSchedule, number | ((epoch: number) => number)> | null;
}

export interface CompareRow {
  learningRate: number;
  loss: number[];
  valLoss: number;
  /** Validation accuracy (classifiers); NaN for least squares, which is scored by loss. */
  valAccuracy: number;
  diverged: boolean;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
/** Rates at most: one colour each, and a chart that stays readable. */
export const MAX_RATES = COLORS.length;

/** "0.01, 0.1, 1" as rates; throws an Error saying what is wrong. */
export function parseRates(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => s === '')) throw new Error('learning rates to compare: give numbers separated by commas, e.g. 0.01, 0.1, 1');
  const rates = parts.map((s) => Number(s));
  const bad = parts.find((_, i) => !Number.isFinite(rates[i]) || (rates[i] as number) <= 0);
  if (bad !== undefined) throw new Error(`learning rates to compare: '${bad}' is not a number > 0`);
  if (rates.length > MAX_RATES) throw new Error(`learning rates to compare: at most ${MAX_RATES}, got ${rates.length}`);
  return rates;
}

/** The chart's series: one training-loss curve per rate. */
export function compareSeries(rows: readonly { learningRate: number; loss: readonly number[] }[]): Series[] {
  return rows.map((r, i) => ({ name: `rate-${i}`, label: `η ${r.learningRate}`, values: r.loss, color: COLORS[i % COLORS.length] as string }));
}

/** Runs the search; `onEpoch` gets every candidate's losses so far after each epoch. Resolves with the rows and the best index. */
export async function compareRates(
  s: CompareSetup, rates: readonly number[], onEpoch: (loss: number[][]) => void,
): Promise<{ rows: CompareRow[]; best: number }> {
  const grid = { learningRate: [...rates], l2: [s.l2] };
  const losses: number[][] = rates.map(() => []);
  const fit = {
    epochs: s.epochs,
    batchSize: s.batchSize,
    optimizer: s.optimizer,
    ...(s.schedule === null ? {} : { learningRate: s.schedule }),
    onEpochEnd: (logs: readonly { candidate: number; loss: number }[]) => {
      for (const log of logs) losses[log.candidate]?.push(log.loss);
      onEpoch(losses.map((l) => [...l]));
    },
  };
  // Least squares fits one-hot targets (as the page's Linear model does) and is scored by loss.
  const search = s.kind === 'logistic' ? new GridSearch(s.ctx, LogisticRegression, { nFeatures: s.train.X.cols }, grid)
    : s.kind === 'softmax' ? new GridSearch(s.ctx, SoftmaxRegression, { nFeatures: s.train.X.cols, nClasses: s.nClasses }, grid)
    : new GridSearch(s.ctx, LinearRegression, { nFeatures: s.train.X.cols, nOutputs: s.nClasses }, grid);
  try {
    const result = s.kind === 'linear'
      ? await search.fit(s.train.X, oneHot(s.train.y, s.nClasses), { ...fit, validation: { X: s.val.X, y: oneHot(s.val.y, s.nClasses) }, scoring: 'loss' })
      : await search.fit(s.train.X, s.train.y, { ...fit, validation: { X: s.val.X, y: s.val.y } });
    const rows = result.candidates.map((c, i) => ({
      learningRate: c.learningRate, loss: losses[i] ?? [], valLoss: c.validationLoss, valAccuracy: c.validationAccuracy ?? Number.NaN, diverged: c.diverged,
    }));
    return { rows, best: result.best };
  } finally {
    search.destroy();
  }
}

function cell(text: string, value?: number): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (value !== undefined) td.dataset['value'] = String(value);
  return td;
}

/** The table of candidates, the best row marked (data-best). */
export function renderTable(host: HTMLElement, rows: readonly CompareRow[], best: number): void {
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const h of ['rate', 'train loss', 'validation loss', 'validation accuracy']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  rows.forEach((r, i) => {
    const tr = body.insertRow();
    tr.dataset['rate'] = String(r.learningRate);
    if (i === best) tr.dataset['best'] = 'true';
    const last = r.loss.at(-1) ?? Number.NaN;
    tr.append(
      cell(String(r.learningRate)),
      cell(r.diverged ? 'diverged' : last.toFixed(4), last),
      cell(r.diverged ? '—' : r.valLoss.toFixed(4), r.valLoss),
      cell(r.diverged || Number.isNaN(r.valAccuracy) ? '—' : `${(100 * r.valAccuracy).toFixed(1)}%`, r.valAccuracy),
    );
  });
  host.replaceChildren(table);
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

/**
 * Wires the Compare button. `setup` reads the page's data and settings (throwing an Error that says
 * what is wrong), or gives null when there is no data yet; `busy` says the page is training.
 */
export function wireCompare(setup: () => CompareSetup | null, busy: () => boolean): void {
  const button = byId<HTMLButtonElement>('compare');
  const message = byId('compare-message');
  button.addEventListener('click', () => {
    void (async () => {
      if (busy() || button.disabled) return;
      let s: CompareSetup | null;
      let rates: number[];
      try {
        rates = parseRates(byId<HTMLInputElement>('compare-rates').value);
        s = setup();
      } catch (e) {
        message.textContent = e instanceof Error ? e.message : String(e);
        message.classList.add('error');
        return;
      }
      if (s === null) return;
      const setupNow = s;
      const figure = byId('compare-figure');
      const chart = document.getElementById('compare-chart') as SVGSVGElement | null;
      if (chart === null) throw new Error('the page has no #compare-chart');
      figure.hidden = false;
      button.disabled = true;
      document.body.dataset['compare'] = 'running';
      message.classList.remove('error');
      message.textContent = `Training ${rates.length} learning rates in one pass over the data…`;
      const draw = (loss: number[][]): void => {
        drawLineChart(chart, compareSeries(rates.map((learningRate, i) => ({ learningRate, loss: loss[i] ?? [] }))), {
          epochs: setupNow.epochs, format: (v) => v.toPrecision(2), empty: 'the first epoch is running',
        });
      };
      draw(rates.map(() => []));
      byId('compare-table').replaceChildren();
      try {
        const { rows, best } = await compareRates(setupNow, rates, draw);
        draw(rows.map((r) => r.loss));
        renderTable(byId('compare-table'), rows, best);
        message.textContent = `Best on the validation set: η = ${rows[best]?.learningRate}.`;
        document.body.dataset['compare'] = 'done';
      } catch (e) {
        message.textContent = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
        message.classList.add('error');
        document.body.dataset['compare'] = 'failed';
      } finally {
        button.disabled = false;
      }
    })();
  });
}

// The logistic model's output choice on the page: a sigmoid output, or a tanh one trained on
// cross-entropy or on squared error (LogisticRegression's `activation` and `loss` options). Shown
// only while Logistic is the chosen model; the loss choice only for tanh.
import type { LogisticRegressionOptions } from '../src/index.ts';

export type OutputChoice = Required<Pick<LogisticRegressionOptions, 'activation' | 'loss'>>;

function select(id: string): HTMLSelectElement {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLSelectElement)) throw new Error(`demo page: no <select id="${id}">`);
  return el;
}

/** What the controls say now: a sigmoid output always trains on cross-entropy here. */
export function readOutputChoice(): OutputChoice {
  const activation = select('activation').value === 'tanh' ? 'tanh' : 'sigmoid';
  const loss = activation === 'tanh' && select('tanh-loss').value === 'mse' ? 'mse' : 'bce';
  return { activation, loss };
}

/** Shows the controls for the logistic model only, and the loss choice for a tanh output only. */
export function syncOutputControls(logistic: boolean): void {
  const box = document.getElementById('output-options');
  if (box !== null) box.hidden = !logistic;
  const loss = select('tanh-loss').closest('label');
  if (loss !== null) loss.hidden = readOutputChoice().activation !== 'tanh';
}

/** Calls `changed` whenever the output or its loss is changed. */
export function onOutputChange(changed: () => void): void {
  for (const id of ['activation', 'tanh-loss']) select(id).addEventListener('change', changed);
}

/** The model note for a logistic model with this output. */
export function outputNote(c: OutputChoice): string {
  if (c.activation === 'sigmoid') return 'P(class 1) = σ(x·w + b), trained on binary cross-entropy.';
  return c.loss === 'bce'
    ? 'h = tanh(x·w + b), P(class 1) = (1 + h)/2, trained on binary cross-entropy.'
    : 'h = tanh(x·w + b), P(class 1) = (1 + h)/2, trained on ½·(h − t)² with targets t = ±1.';
}

/** What the loss curve measures for a logistic model with this output. */
export function outputLossName(c: OutputChoice): string {
  return c.loss === 'bce' ? 'binary cross-entropy' : '½·squared error of tanh against ±1';
}

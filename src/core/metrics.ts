// Classification metrics over host matrices, shared by the estimators, the float64 trainer, the
// train command and the demo, so ties and thresholds resolve the same way everywhere.
import { checkMatrix, requireFit } from '../dense.ts';
import { ValueError } from '../errors.ts';
import type { DenseMatrix } from '../types.ts';
import { ACTIVATIONS, checkObjective, OBJECTIVES, type Objective } from './objective.ts';

/** Whether the objective is a classifier's (so accuracy is defined): every one but 'linear-mse'. */
export function isClassifier(objective: Objective): boolean {
  return checkObjective('isClassifier', objective) !== 'linear-mse';
}

/** Index of the first maximum of row i, so ties resolve the same way on every backend. */
export function argmaxRow(M: DenseMatrix, i: number): number {
  let best = 0;
  const base = i * M.cols;
  for (let j = 1; j < M.cols; j++) if ((M.data[base + j] as number) > (M.data[base + best] as number)) best = j;
  return best;
}

/**
 * Index of the largest value in each row (the first, on ties): class scores to class labels.
 * Checked, as it is public: anything but a { data, rows, cols } of numbers (nested rows, a string)
 * gave an empty or wrong answer, and a NaN row has no largest value.
 */
export function argmax(scores: DenseMatrix): Int32Array {
  checkMatrix('argmax', 'scores', scores);
  for (let i = 0; i < scores.data.length; i++) {
    if (Number.isNaN(scores.data[i])) {
      const row = Math.floor(i / scores.cols);
      throw new ValueError(`argmax: scores has NaN at row ${row}, column ${i - row * scores.cols}, which has no largest value`);
    }
  }
  const out = new Int32Array(scores.rows);
  for (let i = 0; i < scores.rows; i++) out[i] = argmaxRow(scores, i);
  return out;
}

/**
 * Fraction of correct predictions. Logistic: each entry predicts 1 when P(y = 1) > threshold (so a
 * decision of exactly 0 predicts 0, as scikit-learn's decision > 0) and is
 * correct when that equals y. Softmax: a row is correct when its first argmax matches Y's.
 */
export function accuracy(objective: Objective, Yhat: DenseMatrix, Y: DenseMatrix, threshold = 0.5): number {
  if (!isClassifier(objective)) throw new ValueError(`accuracy: objective '${objective}' is not a classifier`);
  checkMatrix('accuracy', 'Yhat', Yhat);
  checkMatrix('accuracy', 'Y', Y);
  requireFit('accuracy', 'Yhat', Yhat, 'Y', Y, Yhat.rows === Y.rows && Yhat.cols === Y.cols, 'Yhat and Y must have the same shape');
  let correct = 0;
  if (objective === 'softmax-ce') {
    for (let i = 0; i < Y.rows; i++) if (argmaxRow(Yhat, i) === argmaxRow(Y, i)) correct++;
    return correct / Y.rows;
  }
  const probability = ACTIVATIONS[OBJECTIVES[objective].activation].probability;
  for (let i = 0; i < Y.data.length; i++) {
    const predicted = probability(Yhat.data[i] as number) > threshold ? 1 : 0;
    if (predicted === Y.data[i]) correct++;
  }
  return correct / Y.data.length;
}

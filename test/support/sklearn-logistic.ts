// test_logistic.py (scikit-learn 1.2.1), the tests that apply to an L2 logistic / multinomial model
// fitted by L-BFGS, ported to LogisticRegression (binary) and SoftmaxRegression (multinomial).
// Not ported: liblinear/sag/saga/newton-* specifics, L1 and elastic-net, LogisticRegressionCV,
// sparse input, string labels and OvR bookkeeping (this library has no such options).
// Where scikit-learn compares two of its solvers, the port compares the library with scikit-learn's
// optimum (the fixture's, solved to tol 1e-12) at the same tolerance.
import { argmaxRows, type Float32Limit, cases, decimal, expectClose, expectThat, first, fitOnce, fitWith, lbfgs, params, refParams, runOf, softmaxRows, type Case, type Check, type Fitted, type Fitter } from './sklearn.ts';

/** sum over rows of each row's k entries. */
function rowSums(P: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < P.length; i += k) out.push(P.slice(i, i + k).reduce((a, v) => a + v, 0));
  return out;
}

function accuracy(pred: readonly number[], y: readonly number[]): number {
  return pred.filter((p, i) => p === y[i]).length / y.length;
}

/** scikit-learn's log_loss of probabilities P (n×k, rows renormalized as log_loss does) for labels y. */
function logLoss(P: readonly number[], y: readonly number[], k: number): number {
  let total = 0;
  y.forEach((c, i) => {
    const row = P.slice(i * k, (i + 1) * k).map((p) => Math.min(Math.max(p, 1e-15), 1 - 1e-15));
    const s = row.reduce((a, v) => a + v, 0);
    total -= Math.log((row[c] as number) / s);
  });
  return total / y.length;
}

/** check_predictions: predict gives y, probabilities sum to 1 per row and their argmax is y. */
async function checkPredictions(f: Fitter, name: string, c: Case): Promise<void> {
  const r = await fitOnce(f, c);
  const y = c.y as number[];
  const k = c.nClasses as number;
  expectThat(f, `${name}: predict(X) = y`, r.predict.join() === y.join(), `predict ${r.predict.join(',')}`);
  const P = c.model === 'logistic' ? r.proba.flatMap((p) => [1 - p, p]) : r.proba;
  expectClose(f, `${name}: probabilities sum to 1`, rowSums(P, k), y.map(() => 1), decimal(6));
  expectThat(f, `${name}: argmax of predict_proba = y`, argmaxRows(P, k).join() === y.join(), `argmax ${argmaxRows(P, k).join(',')}`);
  checkOutputs(f, name, c, r);
}

/** Float32 limits of one fit's parameters, probabilities and decision values. */
interface OutputLimits {
  params: Float32Limit;
  proba: Float32Limit;
  decision: Float32Limit;
}

/**
 * Raw Iris at C = n (l2 = 1/n² = 4.4e-5): the objective's curvature is ~l2 along its flattest
 * direction, so a gradient at float32's floor (the fit ends with 'line-search' after ~400
 * iterations) leaves the parameters 9.5e-4 from scikit-learn's (3.9× rtol 1e-4), the decision
 * values 5.1e-4 (6×) and the probabilities 2.1e-6 (1.4× decimal 6), measured on the 'cpu' step engine.
 */
const RAW_IRIS: OutputLimits = {
  params: { rtol: 1e-3, atol: 1e-5, why: 'raw Iris, l2 = 4.4e-5' },
  proba: { rtol: 0, atol: 1e-5, why: 'raw Iris, l2 = 4.4e-5' },
  decision: { rtol: 1e-3, atol: 1e-3, why: 'raw Iris, l2 = 4.4e-5' },
};

/** The fit's parameters, probabilities and decision values against scikit-learn's at its optimum. */
function checkOutputs(f: Fitter, name: string, c: Case, r: Fitted, limits?: OutputLimits): void {
  expectClose(f, `${name}: coef_ and intercept_ = scikit-learn's`, params(r, c), refParams(c), { rtol: 1e-4, atol: 1e-6 }, limits?.params);
  if (c.ref.proba !== undefined) expectClose(f, `${name}: predict_proba = scikit-learn's`, r.proba, c.ref.proba, decimal(6), limits?.proba);
  if (c.ref.decision !== undefined) expectClose(f, `${name}: decision_function = scikit-learn's`, r.decision, c.ref.decision, { rtol: 1e-4, atol: 1e-5 }, limits?.decision);
}

function coefDiff(a: Fitted, b: Fitted): number {
  return a.W.reduce((s, w, i) => s + Math.abs(w - (b.W[i] as number)), 0);
}

export const LOGISTIC_CHECKS: Check[] = [
  ...cases('logistic', 'predict_2_classes').map((c): Check => ({
    name: `test_predict_2_classes[C=${c.C}, fit_intercept=${c.fitIntercept}]`,
    run: (f) => checkPredictions(f, `test_predict_2_classes C=${c.C} fit_intercept=${c.fitIntercept}`, c),
  })),
  { name: 'test_predict_3_classes[C=10]', run: (f) => checkPredictions(f, 'test_predict_3_classes', first('logistic', 'predict_3_classes')) },
  {
    name: 'test_predict_iris[lbfgs, multinomial, C=n, raw features]',
    async run(f) {
      const c = first('logistic', 'predict_iris');
      // Raw features converge slowly (scikit-learn's own lbfgs warns at max_iter 100 here).
      const r = await fitOnce(f, c, { epochs: 1000 });
      const y = c.y as number[];
      expectThat(f, 'test_predict_iris: accuracy > 0.95', accuracy(r.predict, y) > 0.95, `accuracy ${accuracy(r.predict, y)}`);
      expectClose(f, 'test_predict_iris: probabilities sum to 1', rowSums(r.proba, 3), y.map(() => 1), decimal(6));
      expectThat(f, 'test_predict_iris: argmax accuracy > 0.95', accuracy(argmaxRows(r.proba, 3), y) > 0.95, `accuracy ${accuracy(argmaxRows(r.proba, 3), y)}`);
      checkOutputs(f, 'test_predict_iris', c, r, RAW_IRIS);
    },
  },
  {
    name: 'test_multinomial_binary[lbfgs]',
    async run(f) {
      const [withB, withoutB] = cases('logistic', 'multinomial_binary') as [Case, Case];
      const r = await fitOnce(f, withB, { epochs: 2000 });
      const y = withB.y as number[];
      expectThat(f, 'test_multinomial_binary: predict = target', r.predict.join() === y.join(), `accuracy ${accuracy(r.predict, y)}`);
      checkOutputs(f, 'test_multinomial_binary', withB, r);
      const m = await fitOnce(f, withoutB);
      const acc = accuracy(argmaxRows(m.proba, 2), y);
      expectThat(f, 'test_multinomial_binary fit_intercept=False: accuracy > 0.9', acc > 0.9, `accuracy ${acc}`);
    },
  },
  {
    name: 'test_multinomial_binary_probabilities',
    async run(f) {
      const c = first('logistic', 'multinomial_binary_probabilities');
      const r = await fitOnce(f, c);
      // scikit-learn: P(1) = e^d/(e^d + e^−d) with d its decision value; here, the softmax of the two logits.
      expectClose(f, 'test_multinomial_binary_probabilities: predict_proba = softmax(decision_function)', r.proba, softmaxRows(r.decision, 2), decimal(7));
      checkOutputs(f, 'test_multinomial_binary_probabilities', c, r);
    },
  },
  {
    name: 'test_consistency_path[lbfgs, fit_intercept=False, C=logspace(0, 4, 10)[::3]]',
    async run(f) {
      // Every third C of scikit-learn's ten (1, 21.5, 464, 1e4): a float32 fit can spend all its
      // iterations at its floor, and ten of them on SwiftShader take minutes.
      const path = cases('logistic', 'consistency_path').filter((_, i) => i % 3 === 0);
      // The path: each C started from the previous C's optimum (init), as _logistic_regression_path does.
      let previous: Fitted | null = null;
      for (const c of path) {
        const start = previous === null ? {} : { init: { W: { data: previous.W, rows: previous.W.length, cols: 1 }, b: previous.b } };
        // 100 iterations: the float64 twin needs at most 11 here; a float32 fit at its floor would
        // otherwise restart until its 300th.
        previous = await fitOnce(f, c, { ...start, epochs: 100 });
        expectClose(f, `test_consistency_path: path coef at C=${c.C?.toPrecision(3)}`, previous.W, c.ref.W, decimal(4));
      }
      // And each C fitted alone (what LogisticRegression(C) gives) at the path's largest and smallest C.
      for (const c of [path[0], path.at(-1)] as Case[]) {
        const alone = await fitOnce(f, c);
        expectClose(f, `test_consistency_path: LogisticRegression(C=${c.C?.toPrecision(3)}) coef`, alone.W, c.ref.W, decimal(4));
      }
    },
  },
  {
    name: 'test_consistency_path[lbfgs, fit_intercept=True, C=1e3]',
    async run(f) {
      const c = first('logistic', 'consistency_path_intercept');
      const r = await fitOnce(f, c);
      expectClose(f, 'test_consistency_path C=1e3: coef and intercept', params(r, c), refParams(c), decimal(4));
    },
  },
  {
    name: 'test_logistic_regression_solvers[fit_intercept=False]',
    async run(f) {
      const c = first('logistic', 'solvers');
      const r = await fitOnce(f, c);
      expectClose(f, 'test_logistic_regression_solvers: coef', r.W, c.ref.W, decimal(3));
    },
  },
  {
    name: 'test_logistic_regression_solvers_multiclass[ovr, fit_intercept=False, tol=1e-7]',
    async run(f) {
      for (const [i, c] of cases('logistic', 'solvers_multiclass').entries()) {
        const r = await fitOnce(f, c);
        expectClose(f, `test_logistic_regression_solvers_multiclass: class ${i} vs rest coef`, r.W, c.ref.W, decimal(4));
      }
    },
  },
  {
    name: 'test_logistic_regression_sample_weights',
    async run(f) {
      const [weighted, plain] = cases('logistic', 'sample_weights') as [Case, Case];
      const y = plain.y as number[];
      const none = await fitOnce(f, plain);
      const ones = await fitOnce(f, plain, { sampleWeight: y.map(() => 1) });
      expectClose(f, 'test_logistic_regression_sample_weights: sample_weight=ones = none', ones.W, none.W, { rtol: 1e-4 });
      const sw = await fitOnce(f, weighted);
      expectClose(f, 'test_logistic_regression_sample_weights: sample_weight=y+1 coef = scikit-learn\'s', sw.W, weighted.ref.W, { rtol: 1e-4 });
      const cw = await fitOnce(f, weighted, { sampleWeight: undefined, classWeight: [1, 2] });
      expectClose(f, 'test_logistic_regression_sample_weights: class_weight {0: 1, 1: 2} = sample_weight y+1', cw.W, sw.W, { rtol: 1e-4 });
    },
  },
  {
    name: 'test_logistic_regression_class_weights[multinomial, binary]',
    async run(f) {
      const [multi, binary] = cases('logistic', 'class_weights') as [Case, Case];
      for (const [c, tol, label] of [[multi, decimal(4), 'multinomial'], [binary, decimal(6), 'binary']] as const) {
        const balanced = await fitOnce(f, c, { classWeight: 'balanced' });
        const explicit = await fitOnce(f, c, { classWeight: c.balanced });
        expectClose(f, `test_logistic_regression_class_weights ${label}: 'balanced' = its weights`, balanced.W, explicit.W, tol);
        expectClose(f, `test_logistic_regression_class_weights ${label}: coef = scikit-learn's`, balanced.W, c.ref.W, { rtol: 1e-4, atol: 1e-6 });
      }
    },
  },
  {
    name: 'test_logistic_regression_multinomial[fit_intercept=True, False]',
    async run(f) {
      for (const c of cases('logistic', 'multinomial')) {
        const r = await fitOnce(f, c);
        expectClose(f, `test_logistic_regression_multinomial fit_intercept=${c.fitIntercept}: coef`, r.W, c.ref.W, { rtol: 1e-2 });
        if (c.fitIntercept) expectClose(f, 'test_logistic_regression_multinomial: intercept', r.b, c.ref.b, { rtol: 1e-2 });
        checkOutputs(f, `test_logistic_regression_multinomial fit_intercept=${c.fitIntercept}`, c, r);
      }
    },
  },
  {
    name: 'test_logreg_predict_proba_multinomial',
    async run(f) {
      const [multi, ...ovr] = cases('logistic', 'predict_proba_multinomial') as [Case, ...Case[]];
      const y = multi.y as number[];
      const m = await fitOnce(f, multi);
      // One-vs-rest as scikit-learn's: one binary fit per class, probabilities renormalized per row.
      const perClass = await Promise.all(ovr.map((c) => fitOnce(f, c)));
      const ovrP = y.flatMap((_, i) => perClass.map((r) => r.proba[i] as number));
      const multiLoss = logLoss(m.proba, y, 3);
      const ovrLoss = logLoss(ovrP, y, 3);
      expectThat(f, 'test_logreg_predict_proba_multinomial: multinomial log-loss < OvR\'s', ovrLoss > multiLoss, `multinomial ${multiLoss.toPrecision(4)}, OvR ${ovrLoss.toPrecision(4)}`);
      const sigmoidP = m.decision.map((z) => 1 / (1 + Math.exp(-z)));
      const wrongLoss = logLoss(sigmoidP, y, 3);
      expectThat(f, 'test_logreg_predict_proba_multinomial: softmax log-loss < renormalized sigmoids\'', wrongLoss > multiLoss, `softmax ${multiLoss.toPrecision(4)}, sigmoids ${wrongLoss.toPrecision(4)}`);
    },
  },
  {
    name: 'test_max_iter[lbfgs, max_iter=1..4]',
    async run(f) {
      const c = first('logistic', 'max_iter');
      for (let maxIter = 1; maxIter <= 4; maxIter++) {
        const r = await fitOnce(f, c, { epochs: maxIter, gradTol: 1e-15 });
        const h = r.history;
        expectThat(f, `test_max_iter max_iter=${maxIter}: n_iter_ = max_iter, not converged`, h.epochs === maxIter && h.stopReason === 'epochs' && !h.converged,
          `${h.epochs} iterations, stop ${h.stopReason}`);
      }
    },
  },
  ...[true, false].flatMap((fitIntercept) => [true, false].map((warm): Check => ({
    name: `test_warm_start[lbfgs, multinomial, warm_start=${warm}, fit_intercept=${fitIntercept}]`,
    async run(f) {
      const c = cases('logistic', 'warm_start').find((x) => x.fitIntercept === fitIntercept) as Case;
      // scikit-learn's test: its default tol 1e-4 and max_iter 100, then a 1-iteration refit.
      const [full, again] = await fitWith(f, runOf(c, [lbfgs(c, { epochs: 100, gradTol: 1e-4 }), lbfgs(c, { epochs: 1, warmStart: warm })])) as [Fitted, Fitted];
      const diff = coefDiff(full, again);
      expectThat(f, `test_warm_start warm_start=${warm} fit_intercept=${fitIntercept}: Σ|Δcoef| ${warm ? '<' : '>'} 2`, warm ? diff < 2 : diff > 2, `Σ|Δcoef| ${diff.toPrecision(3)}`);
    },
  }))),
  ...cases('logistic', 'dtype_match').map((c): Check => ({
    name: `test_dtype_match[lbfgs, ${c.model === 'softmax' ? 'multinomial' : 'ovr'}, fit_intercept=${c.fitIntercept}]`,
    async run(f) {
      // tol 5e-4 bounds the gradient; scikit-learn allows coef within 2·1.72·tol of the float64 fit.
      const r = await fitOnce(f, c, { gradTol: 5e-4 });
      expectClose(f, `test_dtype_match ${c.model} fit_intercept=${c.fitIntercept}: float32 coef = float64's`, r.W, c.ref.W, { atol: 2 * 1.72 * 5e-4, rtol: 1e-7 });
    },
  })),
  {
    name: 'test_warm_start_converge_LR[multinomial]',
    async run(f) {
      const c = first('logistic', 'warm_start_converge');
      const y = c.y as number[];
      const cold = await fitOnce(f, c);
      const warm = await fitWith(f, runOf(c, [0, 1, 2, 3, 4].map((i) => lbfgs(c, { warmStart: i > 0 }))));
      const lossCold = logLoss(cold.proba, y, 2);
      const lossWarm = logLoss((warm.at(-1) as Fitted).proba, y, 2);
      expectClose(f, 'test_warm_start_converge_LR: log-loss after 5 warm fits = one cold fit\'s', [lossWarm], [lossCold], { rtol: 1e-5 });
    },
  },
  ...cases('logistic', 'identifiability').map((c): Check => ({
    name: `test_multinomial_identifiability_on_iris[fit_intercept=${c.fitIntercept}]`,
    async run(f) {
      const r = await fitOnce(f, c);
      const k = 3;
      const sums = Array.from({ length: r.W.length / k }, (_, row) => r.W.slice(row * k, (row + 1) * k).reduce((a, v) => a + v, 0));
      // float32 parameters of up to 9.5 are each rounded by up to 4.8e-7: their sum is 0 to a few
      // such roundings, not 1e-10 (measured: 7.2e-7 for coef, 1.2e-7 for the intercepts).
      const limit: Float32Limit = { atol: 4e-6, rtol: 0, why: 'float32 rounding of coefficients up to 9.5' };
      expectClose(f, `test_multinomial_identifiability_on_iris fit_intercept=${c.fitIntercept}: Σ_k coef = 0`, sums, sums.map(() => 0), { atol: 1e-10, rtol: 0 }, limit);
      if (c.fitIntercept) expectClose(f, 'test_multinomial_identifiability_on_iris: Σ_k intercept = 0', [r.b.reduce((a, v) => a + v, 0)], [0], { atol: 1e-10, rtol: 0 }, limit);
      checkOutputs(f, `test_multinomial_identifiability_on_iris fit_intercept=${c.fitIntercept}`, c, r);
    },
  })),
];

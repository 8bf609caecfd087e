// test_ridge.py (scikit-learn 1.2.1), the tests that apply to L2 least squares fitted by L-BFGS,
// ported to LinearRegression (Ridge(alpha) ↔ l2 = alpha/Σs, see sklearn.ts). Not ported: the
// RidgeCV / GCV / RidgeClassifier tests, sparse input, positive=True, per-target alphas and solver
// option errors (this library has no such options). Where scikit-learn compares its solvers, the
// port compares the library with scikit-learn's svd/cholesky solution on the same data.
import { cases, decimal, expectClose, first, fitOnce, params, refParams, type Case, type Check, type Float32Limit, type Tolerance } from './sklearn.ts';

/** pytest.approx's default: relative 1e-6 (its absolute 1e-12 only matters at 0). */
const APPROX: Tolerance = { rtol: 1e-6, atol: 1e-12 };
/**
 * Where the port adds a comparison with scikit-learn's solution that its test does not make (it
 * compares two fits by one solver): the tolerance the logistic checks use for the same question.
 */
const OPTIMUM: Tolerance = { rtol: 1e-4, atol: 1e-6 };
/** assert_allclose's default. */
const ALLCLOSE: Tolerance = { rtol: 1e-7 };
/**
 * rtol 1e-7 is below float32's resolution (1.2e-7): a float32 coefficient of 0.011 next to others of
 * 3.3 sits 7.8e-8 from the optimum (69× rtol 1e-7), an intercept of 0.07 8.1e-8 from it, float32
 * predictions of |y| ≤ 10 2.5e-7 from y (measured on the 'cpu' step engine).
 */
const F32: Float32Limit = { rtol: 1e-6, atol: 1e-7, why: 'float32 resolution' };

/** The closed form scikit-learn's test asserts against, split into coef and intercept. */
function exact(c: Case): { coef: number[]; intercept: number } {
  const e = c.ref.exact as number[];
  return { coef: e.slice(0, -1), intercept: e.at(-1) as number };
}

function ridgeSolution(kind: string): Check[] {
  return [
    {
      name: `test_ridge_regression[lbfgs, ${kind}]`,
      async run(f) {
        const [plain, ones] = cases('ridge', `ridge_regression_${kind}`) as [Case, Case];
        const { coef, intercept } = exact(plain);
        for (const [c, label] of [[plain, ''], [ones, ' sample_weight=ones']] as const) {
          const r = await fitOnce(f, c);
          expectClose(f, `test_ridge_regression ${kind}${label}: intercept`, r.b, [intercept], APPROX, F32);
          expectClose(f, `test_ridge_regression ${kind}${label}: coef`, r.W, coef, ALLCLOSE, F32);
          expectClose(f, `test_ridge_regression ${kind}${label}: score = R² of the solution`, [r.score], [c.ref.score], APPROX, F32);
        }
      },
    },
    // [X, X]/2 with alpha/2 gives [coef, coef]; [X; X] with 2·alpha gives coef.
    ...(['hstacked', 'vstacked'] as const).map((stack): Check => ({
      name: `test_ridge_regression_${stack}_X[lbfgs, ${kind}]`,
      async run(f) {
        const c = first('ridge', `${stack}_${kind}`);
        const { coef, intercept } = exact(c);
        const r = await fitOnce(f, c);
        expectClose(f, `test_ridge_regression_${stack}_X ${kind}: intercept`, r.b, [intercept], APPROX, F32);
        expectClose(f, `test_ridge_regression_${stack}_X ${kind}: coef`, r.W, coef, { rtol: 1e-7, atol: 1e-8 }, F32);
      },
    })),
    {
      name: `test_ridge_regression_unpenalized[lbfgs, ${kind}]`,
      async run(f) {
        const c = first('ridge', `unpenalized_${kind}`);
        const r = await fitOnce(f, c);
        if (kind === 'long') {
          const { coef, intercept } = exact(c);
          expectClose(f, 'test_ridge_regression_unpenalized long: intercept', r.b, [intercept], APPROX, F32);
          expectClose(f, 'test_ridge_regression_unpenalized long: coef', r.W, coef, ALLCLOSE, F32);
        } else {
          // Underdetermined: scikit-learn asserts only that the fit interpolates, predict(X) = y.
          expectClose(f, 'test_ridge_regression_unpenalized wide: predict(X) = y', r.predict, c.y as number[], ALLCLOSE, F32);
        }
      },
    },
    {
      name: `test_ridge_regression_sample_weights[lbfgs, ${kind}, alpha=1, 1e-2]`,
      async run(f) {
        for (const c of cases('ridge', `ridge_sample_weights_${kind}`)) {
          const { coef, intercept } = exact(c);
          const r = await fitOnce(f, c);
          expectClose(f, `test_ridge_regression_sample_weights ${kind} alpha=${c.alpha}: intercept`, r.b, [intercept], APPROX, F32);
          expectClose(f, `test_ridge_regression_sample_weights ${kind} alpha=${c.alpha}: coef`, r.W, coef, ALLCLOSE, F32);
        }
      },
    },
  ];
}

export const RIDGE_CHECKS: Check[] = [
  ...ridgeSolution('long'),
  ...ridgeSolution('wide'),
  {
    name: 'test_ridge_intercept[two targets]',
    async run(f) {
      const c = first('ridge', 'ridge_intercept');
      const r = await fitOnce(f, c);
      expectClose(f, 'test_ridge_intercept: intercept[0] = Ridge on y alone\'s', [r.b[0] as number], [c.ref.b[0] as number], decimal(7));
      expectClose(f, 'test_ridge_intercept: intercept[1] = intercept[0] + 1', [r.b[1] as number], [(r.b[0] as number) + 1], decimal(7));
    },
  },
  {
    name: 'test_ridge_vs_lstsq[alpha=0, fit_intercept=False]',
    async run(f) {
      const c = first('ridge', 'ridge_vs_lstsq');
      const r = await fitOnce(f, c);
      expectClose(f, 'test_ridge_vs_lstsq: coef = least squares', r.W, c.ref.exact as number[], decimal(7));
    },
  },
  ...cases('ridge', 'solver_consistency').map((c): Check => ({
    name: `test_solver_consistency[lbfgs, ${c.label}]`,
    async run(f) {
      const r = await fitOnce(f, c);
      expectClose(f, `test_solver_consistency ${c.label}: coef = svd's`, r.W, c.ref.W, { rtol: 1e-3, atol: 1e-3 });
      expectClose(f, `test_solver_consistency ${c.label}: intercept = svd's`, r.b, c.ref.b, { rtol: 1e-3, atol: 1e-3 });
    },
  })),
  {
    name: 'test_dtype_match[lbfgs]',
    async run(f) {
      const c = first('ridge', 'dtype_match');
      const r = await fitOnce(f, c);
      expectClose(f, 'test_dtype_match: float32 coef = float64\'s', r.W, c.ref.W, { rtol: 1e-4, atol: 5e-4 });
    },
  },
  {
    name: 'test_ridge_regression_dtype_stability[lbfgs]',
    async run(f) {
      const c = first('ridge', 'dtype_stability');
      const r = await fitOnce(f, c);
      expectClose(f, 'test_ridge_regression_dtype_stability: float32 coef = float64\'s', r.W, c.ref.W, { atol: 1e-5 });
    },
  },
  ...cases('ridge', 'lbfgs_solver_consistency').map((c): Check => ({
    name: `test_lbfgs_solver_consistency[alpha=${c.alpha}, 60×60]`,
    async run(f) {
      const r = await fitOnce(f, c, { epochs: 1000 });
      expectClose(f, `test_lbfgs_solver_consistency alpha=${c.alpha}: coef = svd's`, r.W, c.ref.W, { atol: 1e-4, rtol: 0 });
    },
  })),
  {
    name: 'test_ridge_sample_weight_invariance[lbfgs]',
    async run(f) {
      const [twice, duplicated, zeros, dropped] = cases('ridge', 'sample_weight_invariance') as [Case, Case, Case, Case];
      const a = await fitOnce(f, twice);
      const b = await fitOnce(f, duplicated);
      // Effective rank 10 of 30 features: two float32 fits of the same optimum differ along its flat
      // directions by up to 5.7e-6 (measured), each within 3e-6 of scikit-learn's.
      const flat: Float32Limit = { rtol: 1e-5, atol: 1e-5, why: 'effective rank 10 of 30' };
      expectClose(f, 'test_ridge_sample_weight_invariance: 2·sw = rows twice (coef, intercept)', params(a, twice), params(b, duplicated), ALLCLOSE, flat);
      expectClose(f, 'test_ridge_sample_weight_invariance: 2·sw = scikit-learn\'s', params(a, twice), refParams(twice), OPTIMUM);
      const z = await fitOnce(f, zeros);
      const d = await fitOnce(f, dropped);
      expectClose(f, 'test_ridge_sample_weight_invariance: zero weights = rows dropped', params(z, zeros), params(d, dropped), ALLCLOSE, flat);
    },
  },
];

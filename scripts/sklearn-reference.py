#!/usr/bin/python3
"""Writes test/fixtures/sklearn-reference.json: the data and scikit-learn's answers for the ported
checks of scikit-learn's linear_model/tests/test_logistic.py and test_ridge.py (see
test/support/sklearn.ts for how each is read).

Run with Debian's python3-sklearn:  /usr/bin/python3 scripts/sklearn-reference.py
Deterministic: every data set comes from a fixed seed (the seeds scikit-learn's tests use) or Iris.

Conventions, so that the TypeScript side needs no Python:
- X and y are stored rounded to float32 wherever the check is not about dtype ("f32": true), and
  scikit-learn's optimum is computed in float64 on those rounded values: the float32 library then
  solves exactly the problem the reference solved.
- Parameters use the library's layout: W is nFeatures×k row-major (scikit-learn's coef_.T), b has k
  entries. l2 is the library's: its objective is mean(weighted loss) + (l2/2)·‖W‖², so
  LogisticRegression(C) ↔ l2 = 1/(C·Σs) and Ridge(alpha) ↔ l2 = alpha/Σs, with s the row weights
  (sample_weight · class_weight[y], all ones without them).
"""
import hashlib
import json
import os
import sys

import numpy as np
import sklearn
from scipy import linalg
from sklearn.datasets import load_iris, make_classification, make_low_rank_matrix, make_regression
from scipy.sparse.linalg import LinearOperator, cg
from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.linear_model._linear_loss import LinearModelLoss
from sklearn.preprocessing import StandardScaler, minmax_scale, scale
from sklearn.utils import compute_class_weight

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'sklearn-reference.json')
# Tight enough that the references are the optimum to ~1e-10, far inside every tolerance checked.
TIGHT = dict(tol=1e-12, max_iter=100_000)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


# Feature matrices, stored once each (several cases fit the same X): name → matrix.
DATA = {}


def matrix(X, rounded=True):
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    data = X.astype(np.float32) if rounded else X
    return {'rows': int(X.shape[0]), 'cols': int(X.shape[1]), 'data': [num(v, rounded) for v in data.ravel()]}


def shared(X, rounded=True):
    """X's name in DATA (the same values get the same name)."""
    m = matrix(X, rounded)
    key = 'X' + hashlib.sha1(json.dumps(m).encode()).hexdigest()[:10]
    DATA[key] = m
    return key


def num(v, rounded=True):
    # float32 values as their shortest float32 repr: Math.fround(parsed) is the same float32.
    return float(str(np.float32(v))) if rounded else float(v)


def vec(v, rounded=False):
    # References to 12 significant digits: far below every tolerance checked, a third of the size.
    return [num(x, True) if rounded else float('%.12g' % x) for x in np.ravel(v)]


def logistic_params(clf, n_classes):
    """coef_/intercept_ in the library's layout (binary: one column; multinomial binary: two)."""
    coef = np.atleast_2d(clf.coef_)
    intercept = np.atleast_1d(clf.intercept_)
    if n_classes == 2 and clf.multi_class == 'multinomial':
        # scikit-learn keeps class 1's row; the symmetric optimum has class 0's = −class 1's.
        coef = np.vstack([-coef, coef])
        intercept = np.r_[-intercept, intercept]
    return {'W': vec(coef.T), 'b': vec(intercept)}


def polish(clf, X, codes, s, C, multinomial, n_classes):
    """Newton steps from scikit-learn's lbfgs answer to the optimum itself (scipy's lbfgs stops on
    its ftol at ~1e-4 of it on raw Iris); scikit-learn's own objective, gradient and Hessian."""
    fit_intercept = clf.fit_intercept
    loss = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=n_classes) if multinomial else HalfBinomialLoss(),
                           fit_intercept=fit_intercept)
    coef = np.atleast_2d(clf.coef_)
    if multinomial and n_classes == 2:
        coef = np.vstack([-coef, coef])
    intercept = np.atleast_1d(clf.intercept_)
    if multinomial and n_classes == 2:
        intercept = np.r_[-intercept, intercept]
    full = np.hstack([coef, intercept[:, None]]) if fit_intercept else coef
    w = full.ravel(order='F') if multinomial else full.ravel()
    target = codes.astype(np.float64)
    for _ in range(50):
        g, hessp = loss.gradient_hessian_product(w, X, target, s, 1.0 / C)
        if np.linalg.norm(g) <= 1e-13 * max(1.0, np.linalg.norm(w)):
            break
        op = LinearOperator((w.size, w.size), matvec=hessp)
        step, _ = cg(op, -g, tol=1e-14, maxiter=10 * w.size)
        w = w + step
        if multinomial and fit_intercept:
            # The intercepts' common shift is a direction without curvature: keep scikit-learn's Σb = 0.
            w[-n_classes:] -= w[-n_classes:].mean()
    g, _ = loss.gradient_hessian_product(w, X, target, s, 1.0 / C)
    assert np.linalg.norm(g) <= 1e-9, f'Newton polish left a gradient of {np.linalg.norm(g)}'
    full = w.reshape((n_classes, -1), order='F') if multinomial else w[None, :]
    coef, intercept = (full[:, :-1], full[:, -1]) if fit_intercept else (full, np.zeros(full.shape[0]))
    if multinomial and n_classes == 2:
        coef, intercept = coef[1:], intercept[1:]
    clf.coef_ = coef
    clf.intercept_ = intercept


def logistic_case(X, y, C, multinomial, fit_intercept=True, sample_weight=None, class_weight=None, rounded=True, outputs=False):
    X = f32(X) if rounded else np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    classes = np.unique(y)
    codes = np.searchsorted(classes, y)
    clf = LogisticRegression(C=C, solver='lbfgs', multi_class='multinomial' if multinomial else 'auto',
                             fit_intercept=fit_intercept, class_weight=class_weight, **TIGHT)
    clf.fit(X, codes, sample_weight=sample_weight)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if class_weight is not None:
        cw = compute_class_weight(class_weight, classes=np.arange(len(classes)), y=codes)
        s = s * cw[codes]
    polish(clf, X, codes, s, C, multinomial, len(classes))
    proba = clf.predict_proba(X)
    case = {
        'model': 'softmax' if multinomial else 'logistic', 'f32': rounded,
        'X': shared(X, rounded), 'y': [int(c) for c in codes], 'nClasses': int(len(classes)),
        'fitIntercept': fit_intercept, 'l2': 1.0 / (C * s.sum()), 'C': C,
        'ref': {**logistic_params(clf, len(classes)), 'score': float(clf.score(X, codes))},
    }
    if outputs:
        # What predict_proba, decision_function and predict answer on the training rows.
        case['ref'].update({'proba': vec(proba if multinomial else proba[:, 1]), 'predict': [int(p) for p in clf.predict(X)]})
        if not (multinomial and len(classes) == 2):
            case['ref']['decision'] = vec(clf.decision_function(X))
    if sample_weight is not None:
        case['sampleWeight'] = vec(sample_weight)
    return case


def ridge_case(X, y, alpha, fit_intercept=True, sample_weight=None, rounded=True, ref=None):
    X = f32(X) if rounded else np.asarray(X, dtype=np.float64)
    y = f32(y) if rounded else np.asarray(y, dtype=np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    model = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver='svd' if sample_weight is None else 'cholesky').fit(X, y, sample_weight=sample_weight)
    coef = np.atleast_2d(model.coef_)
    outputs = 1 if y.ndim == 1 else y.shape[1]
    case = {
        'model': 'linear', 'X': shared(X, rounded), 'f32': rounded, 'y': vec(y, rounded) if outputs == 1 else matrix(y, rounded),
        'nOutputs': outputs, 'fitIntercept': fit_intercept, 'l2': alpha / s.sum(), 'alpha': alpha,
        'ref': {'W': vec(coef.T), 'b': vec(np.atleast_1d(model.intercept_)), 'score': float(model.score(X, y))},
    }
    if sample_weight is not None:
        case['sampleWeight'] = vec(sample_weight)
    if ref is not None:
        case['ref'].update(ref)
    return case


def ols_ridge_dataset(kind, seed=42):
    """test_ridge.py's fixture (global_random_seed 42): X with a column of ones, y, OLS and ridge solutions."""
    n, d = (12, 4) if kind == 'long' else (4, 12)
    k = min(n, d)
    rng = np.random.RandomState(seed)
    X = make_low_rank_matrix(n_samples=n, n_features=d, effective_rank=k, random_state=rng)
    X[:, -1] = 1
    X = f32(X)
    U, s, Vt = linalg.svd(X)
    U1, U2 = U[:, :k], U[:, k:]
    Vt1 = Vt[:k, :]
    if kind == 'long':
        coef_ols = rng.uniform(low=-10, high=10, size=d)
        y = X @ coef_ols + U2 @ rng.normal(size=n - d) ** 2
    else:
        y = rng.uniform(low=-10, high=10, size=n)
    y = f32(y)
    coef_ols = np.linalg.lstsq(X, y, rcond=None)[0] if kind == 'long' else Vt1.T @ np.diag(1 / s) @ U1.T @ y
    pen = np.identity(d)
    pen[-1, -1] = 0
    coef_ridge = linalg.solve(X.T @ X + pen, X.T @ y)
    return X, y, coef_ols, coef_ridge


def sparse_offset_regression(n_samples, proportion_nonzero, noise, seed):
    """test_ridge.py's _make_sparse_offset_regression(bias=10, n_features=30), minmax-scaled."""
    X, y, c = make_regression(n_samples=n_samples, n_features=30, n_informative=10, bias=10, noise=noise,
                              shuffle=True, coef=True, random_state=seed)
    X += 30.0
    mask = np.random.RandomState(seed).binomial(1, proportion_nonzero, X.shape) > 0
    removed = X.copy()
    X[~mask] = 0.0
    removed[mask] = 0.0
    y -= removed.dot(c)
    return minmax_scale(X), y


def logistic_tests():
    iris = load_iris()
    tiny_X = [[-1, 0], [0, 1], [1, 1]]
    t = {}
    # test_predict_2_classes / test_predict_3_classes (check_predictions).
    t['predict_2_classes'] = [logistic_case(tiny_X, [0, 1, 1], C, False, fi, outputs=True) for C, fi in ((1.0, True), (100.0, True), (1.0, False))]
    t['predict_3_classes'] = [logistic_case(tiny_X, [2, 1, 0], 10.0, True, outputs=True)]
    # test_predict_iris (lbfgs, multinomial, C = n): raw features, accuracy > 0.95.
    t['predict_iris'] = [logistic_case(iris.data, iris.target, float(len(iris.data)), True, outputs=True)]
    # test_multinomial_binary: multinomial on a binary target (setosa vs not), with and without intercept.
    binary = (iris.target > 0).astype(int)
    t['multinomial_binary'] = [logistic_case(iris.data, binary, 1.0, True, fi) for fi in (True, False)]
    # test_multinomial_binary_probabilities: P(class 1) = e^d / (e^d + e^−d).
    Xmc, ymc = make_classification(random_state=42)
    t['multinomial_binary_probabilities'] = [logistic_case(Xmc, ymc, 1.0, True, outputs=True)]
    # test_consistency_path: C over logspace(0, 4, 10) without intercept, and C = 1e3 with it.
    rng = np.random.RandomState(0)
    Xp = np.concatenate((rng.randn(100, 2) + [1, 1], rng.randn(100, 2)))
    yp = np.array([1] * 100 + [0] * 100)
    t['consistency_path'] = [logistic_case(Xp, yp, float(C), False, False) for C in np.logspace(0, 4, 10)]
    t['consistency_path_intercept'] = [logistic_case(Xp, yp, 1e3, False, True)]
    # test_logistic_regression_solvers: binary, no intercept, C = 1.
    Xs, ys = make_classification(n_features=10, n_informative=5, random_state=0)
    t['solvers'] = [logistic_case(Xs, ys, 1.0, False, False)]
    # test_logistic_regression_solvers_multiclass: one-vs-rest, i.e. one binary fit per class.
    Xm, ym = make_classification(n_samples=20, n_features=20, n_informative=10, n_classes=3, random_state=0)
    t['solvers_multiclass'] = [logistic_case(Xm, (ym == c).astype(int), 1.0, False, False) for c in range(3)]
    # test_logistic_regression_sample_weights: sample_weight = y + 1, and class_weight {0: 1, 1: 2}.
    Xw, yw = make_classification(n_samples=20, n_features=5, n_informative=3, n_classes=2, random_state=0)
    t['sample_weights'] = [logistic_case(Xw, yw, 1.0, False, False, sample_weight=(yw + 1).astype(float)),
                           logistic_case(Xw, yw, 1.0, False, False)]
    # test_logistic_regression_class_weights: 'balanced' equals its explicit weights.
    Xi = scale(iris.data)
    t['class_weights'] = [logistic_case(Xi[45:], iris.target[45:], 1.0, True, class_weight='balanced'),
                          logistic_case(Xi[45:100], iris.target[45:100], 1.0, False, class_weight='balanced')]
    for case in t['class_weights']:
        counts = np.bincount(case['y'])
        case['balanced'] = vec(len(case['y']) / (len(counts) * counts))
    # test_logistic_regression_multinomial: 50×20, 3 classes, scaled without centring.
    Xn, yn = make_classification(n_samples=50, n_features=20, n_informative=10, n_classes=3, random_state=0)
    Xn = StandardScaler(with_mean=False).fit_transform(Xn)
    t['multinomial'] = [logistic_case(Xn, yn, 1.0, True, fi, outputs=True) for fi in (True, False)]
    # test_logreg_predict_proba_multinomial: 10×20, 3 classes.
    Xq, yq = make_classification(n_samples=10, n_features=20, random_state=0, n_classes=3, n_informative=10)
    t['predict_proba_multinomial'] = [logistic_case(Xq, yq, 1.0, True)] + [logistic_case(Xq, (yq == c).astype(int), 1.0, False) for c in range(3)]
    # test_max_iter: Iris with class 2 merged into 0, tol 1e-15, max_iter 1..4.
    ybin = iris.target.copy()
    ybin[ybin == 2] = 0
    t['max_iter'] = [logistic_case(iris.data, ybin, 1.0, False)]
    # test_warm_start: raw Iris, 3 classes, multinomial, with and without intercept.
    t['warm_start'] = [logistic_case(iris.data, iris.target, 1.0, True, fi) for fi in (True, False)]
    # test_dtype_match: float64 inputs (not rounded), binary and multinomial, with and without intercept.
    t['dtype_match'] = [logistic_case(tiny_X, [0, 1, 1], 1.0, m, fi, rounded=False, outputs=True) for m in (False, True) for fi in (True, False)]
    # test_warm_start_converge_LR: multinomial, 5 warm fits equal one cold fit.
    t['warm_start_converge'] = [logistic_case(Xp, yp, 1.0, True)]
    # test_multinomial_identifiability_on_iris: scaled Iris, C = n, Σ_k coef = 0 (and Σ_k intercept = 0).
    t['identifiability'] = [logistic_case(Xi, iris.target, float(len(iris.data)), True, fi) for fi in (True, False)]
    return t


def ridge_tests():
    t = {}
    for kind in ('long', 'wide'):
        X, y, coef_ols, coef = ols_ridge_dataset(kind)
        Xf = X[:, :-1]
        n = X.shape[0]
        # test_ridge_regression: alpha = 1, intercept = coef[-1]; sample_weight = ones gives the same.
        t[f'ridge_regression_{kind}'] = [ridge_case(Xf, y, 1.0, ref={'exact': vec(np.r_[coef[:-1], coef[-1]])}),
                                         ridge_case(Xf, y, 1.0, sample_weight=np.ones(n))]
        # test_ridge_regression_hstacked_X: [X, X]/2 with alpha/2 gives [coef, coef].
        t[f'hstacked_{kind}'] = [ridge_case(0.5 * np.concatenate((Xf, Xf), axis=1), y, 0.5, ref={'exact': vec(np.r_[coef[:-1], coef[:-1], coef[-1]])})]
        # test_ridge_regression_vstacked_X: [X; X] with 2·alpha gives coef.
        t[f'vstacked_{kind}'] = [ridge_case(np.concatenate((Xf, Xf)), np.r_[y, y], 2.0, ref={'exact': vec(np.r_[coef[:-1], coef[-1]])})]
        # test_ridge_regression_unpenalized: alpha = 0 is OLS (long: the unique solution; wide: zero residuals).
        t[f'unpenalized_{kind}'] = [ridge_case(Xf, y, 0.0, ref={'exact': vec(np.r_[coef_ols[:-1], coef_ols[-1]])})]
        # test_ridge_regression_sample_weights: [X; X] with weights sw, 1 − sw (times alpha) is X with alpha.
        sw = np.random.RandomState(42).uniform(low=0, high=1, size=n)
        for alpha in (1.0, 1e-2):
            w = np.r_[sw, 1 - sw] * alpha
            t.setdefault(f'ridge_sample_weights_{kind}', []).append(
                ridge_case(np.concatenate((Xf, Xf)), np.r_[y, y], alpha, sample_weight=w, ref={'exact': vec(np.r_[coef[:-1], coef[-1]])}))
    # test_ridge_intercept: targets y and 1 + y: intercepts differ by 1.
    rng = np.random.RandomState(0)
    X5 = rng.randn(5, 10)
    y5 = rng.randn(5)
    t['ridge_intercept'] = [ridge_case(X5, np.c_[y5, 1.0 + y5], 1.0)]
    # test_ridge_vs_lstsq: alpha = 0 without intercept is least squares.
    rng = np.random.RandomState(0)
    yl = rng.randn(5)
    Xl = rng.randn(5, 4)
    t['ridge_vs_lstsq'] = [ridge_case(Xl, yl, 0.0, fit_intercept=False, ref={'exact': vec(np.linalg.lstsq(f32(Xl), f32(yl), rcond=None)[0])})]
    # test_solver_consistency: against the svd solver, n ∈ {20, 40, 20}, seeds 0..2.
    for n, dtype, prop in ((20, 'float32', 0.1), (40, 'float32', 1.0), (20, 'float64', 0.2)):
        for seed in range(3):
            X, y = sparse_offset_regression(n, prop, 50.0 if prop > 0.9 else 500.0, seed)
            t.setdefault('solver_consistency', []).append({**ridge_case(X, y, 1.0, rounded=dtype == 'float32'), 'label': f'n={n} {dtype} p={prop} seed={seed}'})
    # test_dtype_match / test_ridge_regression_dtype_stability: 6×5 float64 data.
    rng = np.random.RandomState(0)
    X64 = rng.randn(6, 5)
    y64 = rng.randn(6)
    t['dtype_match'] = [ridge_case(X64, y64, 1.0, rounded=False)]
    rs = np.random.RandomState(0)
    Xd = rs.randn(6, 5)
    cd = rs.randn(5)
    yd = Xd @ cd + 0.01 * rs.randn(6)
    t['dtype_stability'] = [ridge_case(Xd, yd, 1.0, fit_intercept=False, rounded=False)]
    # test_lbfgs_solver_consistency, at 60×60 (the original 300×300 would make the fixture 2 MB).
    Xc, yc = make_regression(n_samples=60, n_features=60, random_state=42)
    t['lbfgs_solver_consistency'] = [ridge_case(Xc, yc, alpha, fit_intercept=False) for alpha in (1e-3, 1e-2, 0.1, 1.0)]
    # test_ridge_sample_weight_invariance at 40×30: zero weights drop rows, 2·sw equals rows twice.
    rng = np.random.RandomState(42)
    Xv, yv = make_regression(n_samples=40, n_features=30, effective_rank=10, n_informative=15, random_state=rng)
    sw = rng.uniform(low=0.01, high=2, size=40)
    zeros = sw.copy()
    zeros[::4] = 0
    t['sample_weight_invariance'] = [ridge_case(Xv, yv, 1.0, sample_weight=2 * sw),
                                     ridge_case(np.concatenate((Xv, Xv)), np.r_[yv, yv], 1.0, sample_weight=np.r_[sw, sw]),
                                     ridge_case(Xv, yv, 1.0, sample_weight=zeros),
                                     ridge_case(Xv[zeros > 0], yv[zeros > 0], 1.0, sample_weight=zeros[zeros > 0])]
    return t


def main():
    fixture = {
        'generator': 'scripts/sklearn-reference.py',
        'sklearn': sklearn.__version__, 'numpy': np.__version__,
        'logistic': logistic_tests(), 'ridge': ridge_tests(),
    }
    fixture['data'] = DATA
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT}: {os.path.getsize(OUT)} bytes (scikit-learn {sklearn.__version__})', file=sys.stderr)


if __name__ == '__main__':
    main()

// scikit-learn's test_logistic.py and test_ridge.py, ported (test/support/sklearn-*.ts), on the
// estimators in headless Chrome: float32 fits with solver 'lbfgs' on the page's step engine, held to
// scikit-learn's tolerances except where a check documents a float32 limit with its measured figure.
import type { Fitted, SequenceRun } from '../harness/fixtures.ts';
import { gpuSuite } from './support/gpu-suite.ts';
import { runCheck, selected, type Fitter } from './support/sklearn.ts';
import { LOGISTIC_CHECKS } from './support/sklearn-logistic.ts';
import { RIDGE_CHECKS } from './support/sklearn-ridge.ts';

const { test, gpu } = gpuSuite('estimators: scikit-learn conformance');

const estimators: Fitter = {
  label: `estimators (${process.env.TEST_ENGINE ?? 'auto'} engine)`,
  precision: 'f32',
  fit: (run: SequenceRun): Promise<Fitted[]> => gpu().call('fitSequence', run),
};

for (const check of selected([...LOGISTIC_CHECKS, ...RIDGE_CHECKS])) test(check.name, () => runCheck(check, estimators));

test.run();

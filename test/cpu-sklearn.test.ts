// scikit-learn's test_logistic.py and test_ridge.py, ported (test/support/sklearn-*.ts), on the
// float64 twin (cpu.train with solver 'lbfgs'), held to scikit-learn's own tolerances everywhere.
import { suite } from 'uvu';
import { float64Fitter, REFERENCE, runCheck, selected } from './support/sklearn.ts';
import * as assert from 'uvu/assert';
import { LOGISTIC_CHECKS } from './support/sklearn-logistic.ts';
import { RIDGE_CHECKS } from './support/sklearn-ridge.ts';

const test = suite('cpu: scikit-learn conformance (float64 twin)');

test('the fixture comes from scikit-learn and holds every case the checks read', () => {
  assert.match(REFERENCE.sklearn, /^\d+\.\d+/);
  assert.ok(LOGISTIC_CHECKS.length + RIDGE_CHECKS.length >= 40, `${LOGISTIC_CHECKS.length + RIDGE_CHECKS.length} checks`);
});

for (const check of selected([...LOGISTIC_CHECKS, ...RIDGE_CHECKS])) test(check.name, () => runCheck(check, float64Fitter));

test.run();

// Runs in the harness page: each fixture uploads plain arrays, runs library code on the page's
// WebGPU device and returns plain arrays, so Node-side tests can compare with the float64 reference.
// The fixtures live by topic in fixtures-*.ts (-hardening: the misuse the library's guards must
// survive); this page entry gathers them on globalThis.
import { gridFixtures } from './fixtures-grid.ts';
import { modelFixtures } from './fixtures-models.ts';
import { opFixtures } from './fixtures-ops.ts';
import { optimizerFixtures } from './fixtures-optimizers.ts';
import { robustnessFixtures } from './fixtures-robustness.ts';
import { sklearnFixtures } from './fixtures-sklearn.ts';
import { context } from './fixtures-shared.ts';
import { hardeningFixtures } from './fixtures-hardening.ts';
import { stepFixtures } from './fixtures-steps.ts';
import { stoppingFixtures } from './fixtures-stopping.ts';
import { weightFixtures } from './fixtures-weights.ts';

export type { ModelRun } from './fixtures-shared.ts';
export type { BadCall, BadCallsRun } from './fixtures-robustness.ts';
export type { GridRun } from './fixtures-grid.ts';
export type { FitStep, WarmRun } from './fixtures-optimizers.ts';
export type { Fitted, SequenceRun } from './fixtures-sklearn.ts';

const fixtures = {
  ...opFixtures, ...modelFixtures, ...robustnessFixtures, ...hardeningFixtures, ...stoppingFixtures, ...weightFixtures, ...gridFixtures, ...sklearnFixtures,
  ...optimizerFixtures,
  ...stepFixtures(context),
};

export type Fixtures = typeof fixtures;

(globalThis as unknown as { fixtures: Fixtures }).fixtures = fixtures;

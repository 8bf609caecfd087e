// The step engine is chosen once per context: 'auto' by the adapter, 'gpu'/'cpu' when asked for,
// anything else refused; and the page's fits run on the engine the suite asked for.
import * as assert from 'uvu/assert';
import { BOTH_ENGINES, gpuSuite } from './support/gpu-suite.ts';

const { test, gpu, engine } = gpuSuite('step engines', { engines: BOTH_ENGINES });

test('the page runs the engine its suite names', async () => {
  const info = await gpu().call('adapter');
  const wanted = engine();
  assert.ok(wanted !== null, 'this suite runs once per named engine');
  assert.is(info.engine, wanted);
  assert.is(info.plainEngine, wanted);
});

test("'auto' (and no option) picks 'cpu' on a software adapter and 'gpu' on hardware; 'gpu'/'cpu' are taken as given", async () => {
  for (const engine of [undefined, 'auto']) {
    const r = await gpu().call('engineChoice', { engine });
    assert.is(r.error, null);
    assert.is(r.engine, r.cpuAdapter ? 'cpu' : 'gpu', `engine ${String(engine)}`);
  }
  for (const engine of ['gpu', 'cpu']) assert.is((await gpu().call('engineChoice', { engine })).engine, engine);
});

test('a bad engine is a ValueError naming the option', async () => {
  for (const engine of ['fast', 'GPU', 1, null, true]) {
    const r = await gpu().call('engineChoice', { engine });
    assert.is(r.error?.name, 'ValueError', `engine ${JSON.stringify(engine)}`);
    assert.match(r.error?.message ?? '', /engine must be 'auto', 'gpu', 'cpu' or 'js'/);
  }
});

test.run();

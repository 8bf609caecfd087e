// The step engine is chosen once per context: 'auto' by the adapter, 'gpu'/'cpu' when asked for,
// anything else refused; and the page's fits run on the engine this test run asks for.
import * as assert from 'uvu/assert';
import { gpuSuite } from './support/gpu-suite.ts';

const { test, gpu } = gpuSuite('step engines');

test('the page runs the engine TEST_ENGINE names', async () => {
  const info = await gpu().call('adapter');
  const wanted = process.env.TEST_ENGINE;
  if (wanted === 'gpu' || wanted === 'cpu') {
    assert.is(info.engine, wanted);
    assert.is(info.plainEngine, wanted);
  } else {
    assert.is(info.engine, info.cpu ? 'cpu' : 'gpu');
  }
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
    assert.match(r.error?.message ?? '', /engine must be 'auto', 'gpu' or 'cpu'/);
  }
});

test.run();

// The TypeScript packing of every kernel's uniform struct matches what the GPU reads: each field is
// packed at its reflected offset, copied out by a probe shader compiled from the kernel's own struct.
import * as assert from 'uvu/assert';
import { gpuSuite } from './support/gpu-suite.ts';

const { test, gpu } = gpuSuite('uniform layouts');

test('every kernel with uniforms: the GPU sees each packed field', async () => {
  const report = await gpu().call('uniformLayouts');
  const kernels = report.map((r) => r.kernel).sort();
  assert.equal(kernels, ['batch_logits', 'batch_residual', 'batch_update', 'gather', 'gpu_forward', 'gpu_gradient', 'gradient', 'hypergradient', 'loss', 'matmul', 'sgd', 'sigmoid', 'softmax']);
  for (const { kernel, fields } of report) {
    assert.ok(fields.length > 0, `${kernel} has fields`);
    for (const f of fields) assert.is(f.seen, f.sent, `${kernel}.${f.name}: packed ${f.sent}, GPU read ${f.seen}`);
  }
});

test('reflection finds each entry point and its bindings by name', async () => {
  const layouts = await gpu().call('reflectedLayouts');
  const byKernel = new Map(layouts.map((l) => [l.kernel, l]));
  assert.equal(byKernel.get('gradient')?.entries.map((e) => e.name).sort(), ['partialSums', 'reduceChunks']);
  const partial = byKernel.get('gradient')?.entries.find((e) => e.name === 'partialSums');
  assert.equal(partial?.bindings.sort(), ['X', 'Y', 'Yhat', 'params', 'partial', 'sampleWeight']);
  assert.equal(byKernel.get('loss')?.entries.map((e) => e.name).sort(), ['finish', 'rowSums']);
  const gradientFields = byKernel.get('gradient')?.uniforms?.fields.map((f) => `${f.name}@${f.offset}:${f.type}`);
  assert.equal(gradientFields, ['m@0:u32', 'd@4:u32', 'k@8:u32', 'rowsPerChunk@12:u32', 'nChunks@16:u32', 'invM@20:f32']);
});

test('the layouts reflected at build time equal a fresh reflection of every shader variant', async () => {
  const variants = await gpu().call('reflectionAgreement');
  const names = variants.map((v) => v.variant);
  // Both feature sets of every kernel, the same list uniformLayouts checks.
  const kernels = [...new Set(names.map((n) => n.split('+')[0]))].sort();
  assert.is(kernels.length, 13, `kernels: ${kernels.join(', ')}`);
  assert.is(names.length, 2 * kernels.length);
  assert.ok(names.includes('gpu_gradient+subgroups') && names.includes('gpu_gradient'));
  for (const { variant, built, fresh } of variants) {
    const entries = (JSON.parse(fresh) as { entries: unknown[] }).entries;
    assert.ok(entries.length > 0, `${variant}: reflection found no entry point`);
    assert.is(built, fresh, `${variant}: the build's reflection differs from wgsl_reflect's now: rebuild`);
  }
});

test('library buffer-usage constants equal the browser globals', async () => {
  const { ours, browser } = await gpu().call('bufferUsageConstants');
  assert.is(ours.STORAGE, browser.STORAGE);
  assert.is(ours.UNIFORM, browser.UNIFORM);
  assert.is(ours.MAP_READ, browser.MAP_READ);
});

test.run();

// Bring your own GPUDevice: an app that already runs WebGPU code shares its device with
// webgpu-logreg instead of opening a second one. Here the app's own compute shader builds polynomial
// features [x, x²] on the GPU, the library fits a linear regression on them with the same device,
// and after ctx.destroy() the app's shader still runs: the library never destroys a device it was given.
import { createContext, LinearRegression } from 'webgpu-logreg';

const FEATURES_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> features: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= arrayLength(&xs)) { return; }
  features[2u * i] = xs[i];
  features[2u * i + 1u] = xs[i] * xs[i];
}`;

/** The app's own WebGPU work: an n×2 matrix of [x, x²] computed by a compute shader. */
async function polynomialFeatures(device, pipeline, xs) {
  const input = device.createBuffer({ size: xs.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Float32Array(input.getMappedRange()).set(xs);
  input.unmap();
  const output = device.createBuffer({ size: xs.byteLength * 2, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: xs.byteLength * 2, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: input } }, { binding: 1, resource: { buffer: output } }],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(xs.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(output, 0, staging, 0, xs.byteLength * 2);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  for (const b of [input, output, staging]) b.destroy();
  return { data, rows: xs.length, cols: 2 };
}

const status = document.getElementById('status');
try {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('this browser has no WebGPU adapter (see the README: secure page, WebGPU enabled)');
  const device = await adapter.requestDevice();
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: FEATURES_WGSL }), entryPoint: 'main' },
  });

  // 50 points on [−1, 1] and a target that is linear in [x, x²]: y = 0.3 + 1.5·x − 0.8·x².
  const xs = Float32Array.from({ length: 50 }, (_, i) => -1 + (2 * i) / 49);
  const y = Array.from(xs, (x) => 0.3 + 1.5 * x - 0.8 * x * x);
  const X = await polynomialFeatures(device, pipeline, xs);

  const ctx = await createContext({ device }); // shares the app's device; no second adapter or device
  const model = new LinearRegression(ctx, { nFeatures: 2 });
  const fit = { epochs: 60, batchSize: 10, learningRate: 0.2, seed: 3 };
  const history = await model.fit(X, y, fit);
  const r2 = await model.score(X, y);
  const { W, b } = await model.getParams();
  ctx.destroy(); // frees the library's buffers only: the device is the app's

  const after = await polynomialFeatures(device, pipeline, Float32Array.of(2, -3));
  const term = (v) => `${v < 0 ? '−' : '+'} ${Math.abs(v).toFixed(3)}`;
  status.textContent = `Learned y = ${b[0].toFixed(3)} ${term(W.data[0])}·x ${term(W.data[1])}·x² ` +
    `(R² = ${r2.toFixed(4)}); after ctx.destroy() the app's shader still runs: [2, −3] → [${after.data.join(', ')}].`;
  document.getElementById('summary').textContent = JSON.stringify({
    fit, X: { data: Array.from(X.data), rows: X.rows, cols: 2 }, y, loss: history.loss,
    W: Array.from(W.data), b: Array.from(b), r2, after: Array.from(after.data),
  });
  document.body.dataset.state = 'done';
} catch (e) {
  status.textContent = `${e.name}: ${e.message}`;
  document.body.dataset.state = 'failed';
}

// webgpu-logreg in Deno: softmax regression on Iris, trained on the GPU through Deno's own WebGPU
// (wgpu, on navigator.gpu: no package, and no flag in Deno 2.9).
//
//   deno add npm:webgpu-logreg      # in your project; this repository resolves it from package.json
//   deno run examples/deno/train.ts     # add --json for one machine-readable line at the end
//
// Deno picks a Vulkan driver on Linux (Metal on macOS, D3D12 on Windows). With no GPU, a CPU Vulkan
// works: Mesa's lavapipe (apt-get install mesa-vulkan-drivers libvulkan1), or Chromium's SwiftShader:
//   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json deno run examples/deno/train.ts
import { createContext, fitStandardizer, loadIris, SoftmaxRegression, type Dataset } from 'webgpu-logreg';

/** Every fifth flower is held out for testing; the rest train the model. */
function split(iris: Dataset) {
  const pick = (keep: (row: number) => boolean) => {
    const rows = [...Array(iris.y.length).keys()].filter(keep);
    const data = new Float32Array(rows.length * 4);
    rows.forEach((r, i) => data.set(iris.X.data.subarray(r * 4, r * 4 + 4), i * 4));
    return { X: { data, rows: rows.length, cols: 4 }, y: Int32Array.from(rows, (r) => iris.y[r] as number) };
  };
  return { train: pick((r) => r % 5 !== 4), test: pick((r) => r % 5 === 4) };
}

// No GPU object to pass: createContext() uses navigator.gpu, as in a browser.
const ctx = await createContext();
console.log(`GPU: ${ctx.adapter.description || ctx.adapter.vendor || 'unnamed adapter'}`);

const iris = loadIris();
const { train, test } = split(iris);
const scaler = fitStandardizer(train.X); // scale with the training set's statistics only
const Xtrain = scaler.transform(train.X);
const Xtest = scaler.transform(test.X);

const model = new SoftmaxRegression(ctx, { nFeatures: 4, nClasses: 3 });
const fit = { epochs: 40, batchSize: 16, learningRate: 0.3, seed: 7 };
const history = await model.fit(Xtrain, train.y, {
  ...fit,
  onEpochEnd: (log) => {
    if (log.epoch % 10 === 9) console.log(`epoch ${log.epoch + 1}: loss ${log.loss.toFixed(4)}`);
  },
});

const accuracy = await model.score(Xtest, test.y);
const predicted = await model.predict(Xtest);
console.log(`test accuracy: ${(100 * accuracy).toFixed(1)} % on ${test.y.length} held-out flowers`);
for (const i of [0, 10, 20]) {
  console.log(`held-out flower ${i}: predicted ${iris.classNames[predicted[i] as number]}, actually ${iris.classNames[test.y[i] as number]}`);
}

if (Deno.args.includes('--json')) {
  const { W, b } = await model.getParams();
  console.log(JSON.stringify({
    fit, X: { data: Array.from(Xtrain.data), rows: Xtrain.rows, cols: 4 }, y: Array.from(train.y),
    loss: history.loss, W: Array.from(W.data), b: Array.from(b), accuracy,
  }));
}

model.destroy();
ctx.destroy();

// webgpu-logreg in Node: softmax regression on Iris, trained on the GPU through Dawn, the WebGPU
// implementation of the `webgpu` npm package (an optional peer dependency: install it yourself).
//
//   npm install webgpu-logreg webgpu
//   node train.mjs            # add --json for one machine-readable line at the end
//
// Dawn needs a Vulkan driver on Linux (Metal on macOS, D3D12 on Windows). With no GPU driver, a CPU
// one works: Mesa's lavapipe (apt-get install mesa-vulkan-drivers libvulkan1), or Chromium's
// SwiftShader with the Vulkan loader Chromium ships:
//   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node train.mjs
// This script does the latter itself when Linux has no Vulkan of its own and Chromium is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { create } from 'webgpu';
import { createContext, fitStandardizer, loadIris, SoftmaxRegression } from 'webgpu-logreg';

/** Where Debian's chromium package keeps its Vulkan loader and SwiftShader's driver manifest. */
const CHROMIUM = '/usr/lib/chromium';

if (shouldUseChromiumVulkan()) {
  // The loader is found through LD_LIBRARY_PATH, which is read only when a process starts: run again.
  console.error(`No Vulkan driver on this system: running on Chromium's SwiftShader (${CHROMIUM}), a CPU Vulkan.`);
  const env = {
    ...process.env,
    VK_ICD_FILENAMES: `${CHROMIUM}/vk_swiftshader_icd.json`,
    LD_LIBRARY_PATH: [CHROMIUM, process.env.LD_LIBRARY_PATH].filter((p) => p).join(':'),
  };
  const { status } = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(status ?? 1);
}

/** Every fifth flower is held out for testing; the rest train the model. */
function split(iris) {
  const pick = (keep) => {
    const rows = [...Array(iris.y.length).keys()].filter(keep);
    const data = new Float32Array(rows.length * 4);
    rows.forEach((r, i) => data.set(iris.X.data.subarray(r * 4, r * 4 + 4), i * 4));
    return { X: { data, rows: rows.length, cols: 4 }, y: Int32Array.from(rows, (r) => iris.y[r]) };
  };
  return { train: pick((r) => r % 5 !== 4), test: pick((r) => r % 5 === 4) };
}

// Pass the GPU object straight in: the context keeps it (and so Dawn) alive as long as it needs it.
const ctx = await createContext({ gpu: create([]) });
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
  console.log(`held-out flower ${i}: predicted ${iris.classNames[predicted[i]]}, actually ${iris.classNames[test.y[i]]}`);
}

if (process.argv.includes('--json')) {
  const { W, b } = await model.getParams();
  console.log(JSON.stringify({
    fit, X: { data: Array.from(Xtrain.data), rows: Xtrain.rows, cols: 4 }, y: Array.from(train.y),
    loss: history.loss, W: Array.from(W.data), b: Array.from(b), accuracy,
  }));
}

model.destroy();
ctx.destroy();

/**
 * True on Linux when no Vulkan driver was chosen (VK_ICD_FILENAMES unset), the system lacks the Vulkan
 * loader or any driver manifest, and Chromium's loader and SwiftShader driver are there instead.
 */
function shouldUseChromiumVulkan() {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES) return false;
  if (!existsSync(`${CHROMIUM}/libvulkan.so.1`) || !existsSync(`${CHROMIUM}/vk_swiftshader_icd.json`)) return false;
  const libDirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':'), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib64', '/lib'];
  const loader = libDirs.some((d) => d && existsSync(`${d}/libvulkan.so.1`));
  const manifests = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  const driver = manifests.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')));
  return !loader || !driver;
}

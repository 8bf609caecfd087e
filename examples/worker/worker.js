// The worker of examples/worker/: trains in a dedicated module worker, off the page's main thread,
// so the page stays responsive however long the fit takes. WebGPU (navigator.gpu) is there in
// dedicated workers as on the page.
//
// Messages in:  { type: 'fit', X: { data: Float32Array, rows, cols }, y: Int32Array, fit }
//               (the page transfers the arrays' buffers: no copy), then optionally { type: 'cancel' }.
// Messages out: { type: 'epoch', log } after every epoch, then one of
//               { type: 'done', history, W, b, accuracy }, { type: 'cancelled', error }, { type: 'failed', error }.
import { createContext, SoftmaxRegression } from '../../dist/index.js';

/** The running fit's controller: a 'cancel' message aborts it through fit()'s `signal`. */
let controller = null;

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'cancel') controller?.abort();
  else if (message.type === 'fit') train(message);
};

async function train({ X, y, fit }) {
  controller = new AbortController();
  let ctx = null;
  let model = null;
  try {
    ctx = await createContext();
    model = new SoftmaxRegression(ctx, { nFeatures: X.cols, nClasses: 3 });
    const history = await model.fit(X, y, {
      ...fit,
      signal: controller.signal,
      onEpochEnd: (log) => self.postMessage({ type: 'epoch', log }),
    });
    const { W, b } = await model.getParams();
    const accuracy = await model.score(X, y);
    self.postMessage({ type: 'done', history, W: W.data, b, accuracy, adapter: ctx.adapter.description || ctx.adapter.vendor });
  } catch (e) {
    // An abort rejects the fit with an error named 'AbortError'; the model keeps its last whole epoch.
    const error = { name: e?.name ?? 'Error', message: String(e?.message ?? e) };
    self.postMessage({ type: e?.name === 'AbortError' ? 'cancelled' : 'failed', error });
  } finally {
    model?.destroy();
    ctx?.destroy();
    controller = null;
  }
}

// One SGD step of softmax regression in TF.js ops, shared by the page's trainers and the Node device
// benchmark (which must not import the wasm backend this file's neighbour pulls in). Explicit ops,
// no autodiff, so every backend runs exactly the maths the other implementations run.
import * as tf from '@tensorflow/tfjs-core';

/**
 * W ← W − η·Xbᵀ(Ŷ−Yb)/m and b ← b − η·mean(Ŷ−Yb) with Ŷ = softmax(Xb·W + b), m = Xb's rows.
 * Call it inside tf.tidy(): the intermediate tensors are left for the tidy to free.
 */
export function softmaxStep(Xb: tf.Tensor2D, Yb: tf.Tensor2D, W: tf.Variable, b: tf.Variable, learningRate: number): void {
  const rows = Xb.shape[0];
  const G = tf.sub(tf.softmax(tf.add(tf.matMul(Xb, W), b)), Yb);
  const dW = tf.mul(tf.matMul(Xb, G, true, false), 1 / rows);
  const db = tf.mean(G, 0, true);
  W.assign(tf.sub(W, tf.mul(dW, learningRate)));
  b.assign(tf.sub(b, tf.mul(db, learningRate)));
}

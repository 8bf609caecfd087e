// What the objectives are made of, defined once for every kernel that needs them: the activation
// (logits → predictions), each row element's loss and its error G = ∂loss/∂z. The pipeline constants
// pick the parts (codes as in src/core/objective.ts, whose float64 twins compute the same), so a
// kernel is specialised at pipeline creation and never branches on them at run time.

// 0 identity, 1 sigmoid, 2 softmax (row-wise: needs the row's RowStats).
override ACTIVATION: u32 = 0u;
// 0 binary cross-entropy on the logit, 1 cross-entropy on the logits, 2 ½ squared error on the prediction.
override LOSS: u32 = 0u;
// 0 ŷ − y (the canonical pairs), 1 (ŷ − y)·ŷ(1 − ŷ) (½ squared error through σ).
override ERROR: u32 = 0u;

const ACT_IDENTITY: u32 = 0u;
const ACT_SIGMOID: u32 = 1u;
const ACT_SOFTMAX: u32 = 2u;
const LOSS_BCE: u32 = 0u;
const LOSS_CE: u32 = 1u;
const LOSS_MSE: u32 = 2u;
const ERROR_RESIDUAL: u32 = 0u;
const ERROR_SIGMOID_MSE: u32 = 1u;

/** A softmax row's max logit and Σ exp(z − zMax) (≥ 1: the max contributes exp(0)). */
struct RowStats {
  zMax: f32,
  sum: f32,
}

// exp() only ever sees a non-positive argument, so no finite z can overflow it into Inf/Inf = NaN.
fn sigmoid(z: f32) -> f32 {
  if (z >= 0.0) {
    return 1.0 / (1.0 + exp(-z));
  }
  let e = exp(z);
  return e / (1.0 + e);
}

// log(1 + t) without losing t when 1 + t rounds to 1 (WGSL has no log1p).
fn log1p(t: f32) -> f32 {
  let u = 1.0 + t;
  if (u == 1.0) {
    return t;
  }
  return log(u) * t / (u - 1.0);
}

/** The prediction for logit z (s: the row's stats, read by softmax only). */
fn activate(z: f32, s: RowStats) -> f32 {
  switch ACTIVATION {
    case ACT_SIGMOID: { return sigmoid(z); }
    case ACT_SOFTMAX: { return exp(z - s.zMax) / s.sum; }
    default: { return z; }
  }
}

/**
 * One element's loss: BCE of σ(z) written on the logit (max(z,0) − z·y + log(1 + e^−|z|)), the
 * element's share of the row's CE (y·(log Σ − (z − zMax))), or ½(ŷ − y)².
 */
fn elementLoss(z: f32, yhat: f32, y: f32, s: RowStats) -> f32 {
  switch LOSS {
    case LOSS_BCE: { return max(z, 0.0) - z * y + log1p(exp(-abs(z))); }
    case LOSS_CE: { return y * (log(s.sum) - (z - s.zMax)); }
    default: {
      let r = yhat - y;
      return 0.5 * r * r;
    }
  }
}

/** G = ∂loss/∂z for one element. */
fn elementError(yhat: f32, y: f32) -> f32 {
  let r = yhat - y;
  if (ERROR == ERROR_SIGMOID_MSE) {
    return r * yhat * (1.0 - yhat);
  }
  return r;
}

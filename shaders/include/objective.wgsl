// What the objectives are made of, defined once for every kernel that needs them: the activation
// (logits → predictions), each row element's loss and its error G = ∂loss/∂z. The pipeline constants
// pick the parts (codes as in src/core/objective.ts, whose float64 twins compute the same), so a
// kernel is specialised at pipeline creation and never branches on them at run time.

// 0 identity, 1 sigmoid, 2 softmax (row-wise: needs the row's RowStats), 3 tanh.
override ACTIVATION: u32 = 0u;
// 0 binary cross-entropy on the logit, 1 cross-entropy on the logits, 2 ½ squared error on the
// prediction, 3 BCE of p = (1 + tanh z)/2, 4 ½(tanh z − (2y − 1))².
override LOSS: u32 = 0u;
// 0 ŷ − y (the canonical pairs), 1 (ŷ − y)·ŷ(1 − ŷ) (½ squared error through σ), 2 and 3 the tanh
// losses' errors.
override ERROR: u32 = 0u;

const ACT_IDENTITY: u32 = 0u;
const ACT_SIGMOID: u32 = 1u;
const ACT_SOFTMAX: u32 = 2u;
const ACT_TANH: u32 = 3u;
const LOSS_BCE: u32 = 0u;
const LOSS_CE: u32 = 1u;
const LOSS_MSE: u32 = 2u;
const LOSS_TANH_BCE: u32 = 3u;
const LOSS_TANH_MSE: u32 = 4u;
const ERROR_RESIDUAL: u32 = 0u;
const ERROR_SIGMOID_MSE: u32 = 1u;
const ERROR_TANH_BCE: u32 = 2u;
const ERROR_TANH_MSE: u32 = 3u;

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
    // tanh() may compute sinh/cosh, which overflow to Inf/Inf past |z| ≈ 89; it is ±1 in f32 from |z| ≈ 9 on.
    case ACT_TANH: { return select(sign(z), tanh(z), abs(z) < 10.0); }
    default: { return z; }
  }
}

/** P(y = 1) from the prediction: (1 + h)/2 for a tanh output, the prediction itself otherwise. */
fn probability(yhat: f32) -> f32 {
  return select(yhat, 0.5 * (1.0 + yhat), ACTIVATION == ACT_TANH);
}

/** Binary cross-entropy of σ(z) written on the logit: max(z,0) − z·y + log(1 + e^−|z|). */
fn bceOnLogit(z: f32, y: f32) -> f32 {
  return max(z, 0.0) - z * y + log1p(exp(-abs(z)));
}

/**
 * One element's loss: BCE of σ(z) written on the logit (max(z,0) − z·y + log(1 + e^−|z|)), the
 * element's share of the row's CE (y·(log Σ − (z − zMax))), or ½(ŷ − y)².
 */
fn elementLoss(z: f32, yhat: f32, y: f32, s: RowStats) -> f32 {
  switch LOSS {
    case LOSS_BCE: { return bceOnLogit(z, y); }
    case LOSS_CE: { return y * (log(s.sum) - (z - s.zMax)); }
    // p = (1 + tanh z)/2 = σ(2z).
    case LOSS_TANH_BCE: { return bceOnLogit(2.0 * z, y); }
    case LOSS_TANH_MSE: {
      let r = yhat - (2.0 * y - 1.0);
      return 0.5 * r * r;
    }
    default: {
      let r = yhat - y;
      return 0.5 * r * r;
    }
  }
}

/** G = ∂loss/∂z for one element. */
fn elementError(yhat: f32, y: f32) -> f32 {
  switch ERROR {
    case ERROR_SIGMOID_MSE: { return (yhat - y) * yhat * (1.0 - yhat); }
    case ERROR_TANH_BCE: { return 1.0 + yhat - 2.0 * y; }
    case ERROR_TANH_MSE: { return (yhat - (2.0 * y - 1.0)) * (1.0 - yhat * yhat); }
    default: { return yhat - y; }
  }
}

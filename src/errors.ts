// Error classes users can branch on with instanceof; every message names the argument at fault.

/** A matrix or vector has the wrong shape, or two arguments' shapes do not fit together. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A value is out of its domain: NaN/Infinity, a label out of range, a non-positive rate, an unknown option. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** An object is used in a state that forbids it: after destroy(), from another context, before fit(). */
export class StateError extends Error {
  override name = 'StateError';
}

/** No WebGPU adapter or device could be obtained. */
export class WebGPUUnavailableError extends Error {
  override name = 'WebGPUUnavailableError';
}

/** The GPU device was lost (driver reset, device.destroy(), tab backgrounded for too long...). */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/** The GPU reported a validation, out-of-memory or internal error for work this library submitted. */
export class GPUError extends Error {
  override name = 'GPUError';
}

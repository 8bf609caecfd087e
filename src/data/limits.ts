// Caps on sizes the data helpers derive from their input. A file or array can claim any size in a
// few bytes (an IDX header, a label of 2147483647, nClasses = 1e5), and allocating what it claims
// can abort the process instead of throwing. Every such size is checked against one of these first,
// and refused with a ValueError naming the argument.

/** Most classes a label column, label file or nClasses argument may imply. */
export const MAX_CLASSES = 65536;

/** Most values (rows × columns) of a matrix the data helpers allocate: 2^28 f32, 1 GiB. */
export const MAX_VALUES = 2 ** 28;

/** Most classes of confusionMatrix(): its result holds nClasses² counts in plain arrays. */
export const MAX_CONFUSION_CLASSES = 4096;

/** Most columns of polynomialFeatures(), whose bookkeeping takes 16 bytes a column besides the output. */
export const MAX_POLYNOMIAL_COLUMNS = 2 ** 20;

/** Most bytes of decoded IDX data, and gunzip()'s default limit on inflated bytes: 1 GiB. */
export const MAX_IDX_BYTES = 2 ** 30;

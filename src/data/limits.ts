// Caps on sizes the data helpers derive from their input. A file or array can claim any size in a
// few bytes (an IDX header, a label of 2147483647, nClasses = 1e5), and allocating what it claims
// can abort the process instead of throwing. Every such size is checked against one of these first,
// and refused with a ValueError naming the argument.

/** Most bytes of decoded IDX data, and gunzip()'s default limit on inflated bytes: 1 GiB. */
export const MAX_IDX_BYTES = 2 ** 30;

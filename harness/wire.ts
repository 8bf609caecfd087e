// What crosses the Node ↔ page boundary: JSON-safe plain objects only.

export interface WireMatrix {
  data: number[];
  rows: number;
  cols: number;
}

/** An error thrown in the page, reduced to what a test asserts on. */
export interface WireError {
  error: { name: string; message: string };
}

/** An op argument that the page uploads as a GPU matrix (and destroys first when `destroyed`). */
export interface WireArg {
  $matrix: WireMatrix;
  destroyed?: boolean;
}

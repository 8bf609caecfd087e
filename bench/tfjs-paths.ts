// Where the benchmark page finds TF.js's wasm files: shared by the page (tfjs.ts) and the server
// that mounts them (run.ts), which cannot import the page's TF.js modules.

/** URL path of the wasm backend's .wasm files, mounted from the same path below the repository. */
export const TFJS_WASM_PATH = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

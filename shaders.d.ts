// esbuild's text loader bundles each .wgsl file as its source string.
declare module '*.wgsl' {
  const source: string;
  export default source;
}

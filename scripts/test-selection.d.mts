// Types for test-selection.mjs, which scripts/run-tests.mjs runs as plain JavaScript.
export declare const FAST_FILES: readonly string[];
export declare const FAST_ENGINE: 'cpu' | 'gpu';
export declare function fastFiles(names: readonly string[], filter: string): string[];
export declare function filesPattern(names: readonly string[]): string;

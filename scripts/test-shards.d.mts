// Types for test-shards.mjs, which scripts/run-tests.mjs runs as plain JavaScript.
export declare const UNTIMED_SECONDS: number;
export declare function splitByTime(names: readonly string[], jobs: number, seconds: Readonly<Record<string, number>>): string[][];
export declare function jobCount(value: string | undefined, fallback: number): number;

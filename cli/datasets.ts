// Turns --dataset/--data into what the job reads: the dataset's description and the directory its
// files are in (served to the page, or read by the Node worker). Missing data is reported with how
// to get it, before a browser is started.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { DatasetSpec } from './job.ts';
import { UsageError, type CliOptions } from './options.ts';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_HELP =
  'Fashion-MNIST is not installed. On Debian/Ubuntu: apt-get install dataset-fashion-mnist (it installs ' +
  `${FASHION_MNIST_DIR}); elsewhere put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ` +
  't10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the Fashion-MNIST distribution in a directory and pass --data DIR.';

export interface ResolvedDataset {
  spec: DatasetSpec;
  /** The directory holding the files the spec names (null: embedded data). */
  dir: string | null;
  kind: 'iris' | 'idx' | 'csv';
}

const IDX_PATTERNS = {
  trainImages: /^train-images[.-]idx3-ubyte(\.gz)?$/,
  trainLabels: /^train-labels[.-]idx1-ubyte(\.gz)?$/,
  testImages: /^(t10k|test)-images[.-]idx3-ubyte(\.gz)?$/,
  testLabels: /^(t10k|test)-labels[.-]idx1-ubyte(\.gz)?$/,
} as const;

/** The four IDX files of a directory, or the list of those it lacks. */
export function findIdxFiles(dir: string): { files: Record<keyof typeof IDX_PATTERNS, string> } | { missing: string[] } {
  const names = readdirSync(dir).sort();
  const files: Partial<Record<keyof typeof IDX_PATTERNS, string>> = {};
  const missing: string[] = [];
  for (const [key, pattern] of Object.entries(IDX_PATTERNS) as [keyof typeof IDX_PATTERNS, RegExp][]) {
    const found = names.find((n) => pattern.test(n));
    if (found === undefined) missing.push(pattern.source);
    else files[key] = found;
  }
  return missing.length > 0 ? { missing } : { files: files as Record<keyof typeof IDX_PATTERNS, string> };
}

export function resolveDataset(o: CliOptions): ResolvedDataset {
  if (o.dataset === 'iris') {
    if (o.data !== null) throw new UsageError('--data is for fashion-mnist; iris is embedded');
    return { spec: { kind: 'iris' }, dir: null, kind: 'iris' };
  }
  if (o.dataset === 'fashion-mnist') {
    const dir = resolve(o.data ?? FASHION_MNIST_DIR);
    if (!existsSync(dir)) throw new UsageError(o.data === null ? FASHION_MNIST_HELP : `--data ${o.data}: no such directory`);
    const found = findIdxFiles(dir);
    if ('missing' in found) throw new UsageError(`${dir} lacks files matching ${found.missing.join(', ')}. ${FASHION_MNIST_HELP}`);
    return { spec: { kind: 'idx', name: 'fashion-mnist', files: found.files, fashion: true }, dir, kind: 'idx' };
  }
  if (o.data !== null) throw new UsageError('--data is for fashion-mnist; give other datasets as --dataset PATH');
  const path = resolve(o.dataset);
  if (!existsSync(path)) throw new UsageError(`--dataset ${o.dataset}: not iris or fashion-mnist, and no such file or directory`);
  if (statSync(path).isDirectory()) {
    const found = findIdxFiles(path);
    if ('missing' in found) throw new UsageError(`--dataset ${o.dataset}: the directory lacks IDX files matching ${found.missing.join(', ')}`);
    return { spec: { kind: 'idx', name: basename(path), files: found.files, fashion: false }, dir: path, kind: 'idx' };
  }
  const label = o.label ?? -1;
  return {
    spec: { kind: 'csv', name: basename(path), file: basename(path), label, header: o.header, missing: o.missing },
    dir: dirname(path),
    kind: 'csv',
  };
}

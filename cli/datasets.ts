// Turns --dataset/--data into what the job reads: the dataset's description and the files it names
// (only those are served to the page, or read by the Node worker). Missing data, and paths that are
// not regular files (a FIFO would block the read forever), are reported before a browser is started.
import { existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { DatasetSpec } from './job.ts';
import { UsageError, type CliOptions } from './options.ts';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_HELP =
  'Fashion-MNIST is not installed. On Debian/Ubuntu: apt-get install dataset-fashion-mnist (it installs ' +
  `${FASHION_MNIST_DIR}); elsewhere put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ` +
  't10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the Fashion-MNIST distribution in a directory and pass --data DIR.';

export interface ResolvedDataset {
  spec: DatasetSpec;
  /** The files the spec names (name → absolute path); empty for embedded data. */
  files: Record<string, string>;
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

/** The kind of thing at `path`, following symlinks: a regular file, a directory, something else, or nothing. */
function kindOf(path: string): 'file' | 'directory' | 'other' | 'missing' {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return 'missing';
  }
  return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
}

/** The IDX files of `dir` as the job reads them, each checked to be a regular file. */
function idxFiles(dir: string, files: Record<string, string>, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.values(files)) {
    const path = join(dir, name);
    if (kindOf(path) !== 'file') throw new UsageError(`${flag}: ${path} is not a regular file`);
    out[name] = path;
  }
  return out;
}

export function resolveDataset(o: CliOptions): ResolvedDataset {
  if (o.dataset === 'iris') {
    if (o.data !== null) throw new UsageError('--data is for fashion-mnist; iris is embedded');
    return { spec: { kind: 'iris' }, files: {}, kind: 'iris' };
  }
  if (o.dataset === 'fashion-mnist') {
    const dir = resolve(o.data ?? FASHION_MNIST_DIR);
    if (!existsSync(dir)) throw new UsageError(o.data === null ? FASHION_MNIST_HELP : `--data ${o.data}: no such directory`);
    if (kindOf(dir) !== 'directory') throw new UsageError(`--data ${o.data ?? dir}: not a directory`);
    const found = findIdxFiles(dir);
    if ('missing' in found) throw new UsageError(`${dir} lacks files matching ${found.missing.join(', ')}. ${FASHION_MNIST_HELP}`);
    const files = idxFiles(dir, found.files, o.data === null ? 'fashion-mnist' : `--data ${o.data}`);
    return { spec: { kind: 'idx', name: 'fashion-mnist', files: found.files, fashion: true }, files, kind: 'idx' };
  }
  if (o.data !== null) throw new UsageError('--data is for fashion-mnist; give other datasets as --dataset PATH');
  const path = resolve(o.dataset);
  const kind = kindOf(path);
  if (kind === 'missing') throw new UsageError(`--dataset ${o.dataset}: not iris or fashion-mnist, and no such file or directory`);
  if (kind === 'other') throw new UsageError(`--dataset ${o.dataset}: not a regular file or a directory (a FIFO, socket or device cannot be read as a dataset)`);
  if (kind === 'directory') {
    const found = findIdxFiles(path);
    if ('missing' in found) throw new UsageError(`--dataset ${o.dataset}: the directory lacks IDX files matching ${found.missing.join(', ')}`);
    const files = idxFiles(path, found.files, `--dataset ${o.dataset}`);
    return { spec: { kind: 'idx', name: basename(path), files: found.files, fashion: false }, files, kind: 'idx' };
  }
  const label = o.label ?? -1;
  return {
    spec: { kind: 'csv', name: basename(path), file: basename(path), label, header: o.header, missing: o.missing },
    files: { [basename(path)]: path },
    kind: 'csv',
  };
}

// --save PATH: checked before training, so a path that cannot be written is a usage error and not a
// lost run; and if writing still fails at the end (the disk filled, the directory went away), the
// model is written to a fresh file in the system's temporary directory instead of being lost.
import { closeSync, mkdtempSync, openSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './options.ts';

/** Why a file could not be opened, in words (the errno code in brackets). */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
    EISDIR: 'is a directory', ENOENT: 'no such file or directory', ENOTDIR: 'a part of the path is not a directory',
  };
  return err.code === undefined ? String(err.message) : `${words[err.code] ?? err.message} (${err.code})`;
}

/** stat(), or undefined where there is nothing (including a path through a file). */
function statOrNothing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Checks that `path` can be written, without changing an existing file: it is opened for writing
 * (not truncated), or created and removed again. Throws a UsageError naming --save.
 */
export function checkSavePath(path: string): void {
  if (path === '') throw new UsageError('--save needs a file name');
  const abs = resolve(path);
  const stat = statOrNothing(abs);
  if (stat?.isDirectory() === true) throw new UsageError(`--save ${path}: is a directory; give a file name such as ${join(path, 'model.json')}`);
  const parent = statOrNothing(dirname(abs));
  if (parent === undefined) throw new UsageError(`--save ${path}: the directory ${dirname(abs)} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`--save ${path}: ${dirname(abs)} is not a directory`);
  try {
    if (stat !== undefined) closeSync(openSync(abs, 'r+'));
    else {
      closeSync(openSync(abs, 'wx'));
      unlinkSync(abs);
    }
  } catch (e) {
    throw new UsageError(`--save ${path}: cannot write there: ${reason(e)}`);
  }
}

export interface Saved {
  /** Where the model is. */
  path: string;
  /** Why it is not at the path asked for (null: it is). */
  failure: string | null;
}

/** Writes `text` to `path`; if that fails, to a new file in os.tmpdir(), and says why. */
export function writeModel(path: string, text: string): Saved {
  try {
    writeFileSync(path, text);
    return { path, failure: null };
  } catch (e) {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-logreg-model-'));
    const fallback = join(dir, basename(path) === '' ? 'model.json' : basename(path));
    writeFileSync(fallback, text);
    return { path: fallback, failure: reason(e) };
  }
}

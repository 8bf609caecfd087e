// readIdx and gunzip in headless Chrome, whose DecompressionStream is the browser's own (a transform
// that inflates each written chunk whole, unlike Node's zlib): gzipped files decode as in Node, and a
// gzip bomb is refused after inflating little more than one input chunk. The page imports the built
// bundle (dist/index.js) and fetches the files from a directory the static server mounts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertComparable } from './support/timing.ts';
import { startStaticServer, type StaticServer } from '../harness/server.ts';
import { openBrowserContext } from './support/chrome.ts';
import { gzipBomb, idxFile, MiB } from './support/idx-files.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const test = suite('IDX in Chrome');
const ROOT = new URL('..', import.meta.url).pathname;
const MOUNT = '/idx-files';

interface Outcome {
  file: string;
  dims: number[] | null;
  /** Sum of the decoded values (a checksum); null when reading failed. */
  sum: number | null;
  error: { name: string; message: string } | null;
  ms: number;
}

/** Reads each file with readIdx in the page and reports what happened. */
async function readInChrome(files: Record<string, Uint8Array>): Promise<Record<string, Outcome>> {
  const dir = mkdtempSync(join(tmpdir(), 'idx-browser-'));
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, 'blank.html'), '<!doctype html><title>IDX</title>');
    const { context, release } = await openBrowserContext();
    let server: StaticServer | null = null;
    try {
      server = await startStaticServer(ROOT, { mounts: { [MOUNT]: dir } });
      const page = await context.newPage();
      await page.goto(`${server.url}${MOUNT}/blank.html`);
      const outcomes = await page.evaluate(async (names: string[], mount: string): Promise<Outcome[]> => {
        // A variable specifier, so the bundle is loaded by the page rather than resolved at build time.
        const bundle = '/dist/index.js';
        const lib = (await import(bundle)) as typeof import('../src/index.ts');
        const out: Outcome[] = [];
        for (const file of names) {
          const bytes = new Uint8Array(await (await fetch(`${mount}/${file}`)).arrayBuffer());
          const t0 = performance.now();
          try {
            const a = await lib.readIdx(bytes);
            let sum = 0;
            for (const v of a.data) sum += v;
            out.push({ file, dims: a.dims, sum, error: null, ms: performance.now() - t0 });
          } catch (e) {
            out.push({ file, dims: null, sum: null, error: { name: (e as Error).name, message: (e as Error).message }, ms: performance.now() - t0 });
          }
        }
        return out;
      }, Object.keys(files), MOUNT);
      return Object.fromEntries(outcomes.map((o) => [o.file, o]));
    } finally {
      // The browser context first: the server's close() waits for its keep-alive connections to end.
      await release();
      await server?.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function failed(o: Outcome | undefined, pattern: RegExp): string {
  assert.ok(o !== undefined && o.error !== null, `expected a ValueError, got ${JSON.stringify(o)}`);
  const error = (o as Outcome).error as { name: string; message: string };
  assert.is(error.name, 'ValueError', error.message);
  assert.match(error.message, pattern);
  return error.message;
}

test('gzipped IDX files decode in Chrome; bombs, oversized headers and corrupt data are refused quickly', async () => {
  const rng = mulberry32(testSeed('idx in chrome'));
  // Larger than several input chunks, so the decoded file crosses chunk boundaries.
  const dims = [randomInt(rng, 200, 400), 28, 28];
  const values = Array.from({ length: dims[0]! * 28 * 28 }, () => randomInt(rng, 0, 255));
  const plain = idxFile('u8', dims, values);
  const gz = new Uint8Array(gzipSync(plain, { level: 1 }));
  const corrupt = gz.slice();
  corrupt[gz.length >> 1] = (corrupt[gz.length >> 1] as number) ^ 0xff;
  const results = await readInChrome({
    'images.gz': gz,
    'zeros.gz': gzipBomb(new Uint8Array(0), 1024),
    'extra.gz': gzipBomb(idxFile('u8', [4], [1, 2, 3, 4]), 1024),
    'oversized.gz': gzipBomb(idxFile('u8', [65536, 32768], []), 1024),
    'corrupt.gz': corrupt,
    'truncated.gz': gz.subarray(0, gz.length - 100),
    // A valid file of 16 MiB of zeros: the time a refused bomb, which inflates at most ~16 MiB, may take.
    'valid16.gz': gzipBomb(idxFile('u8', [16 * MiB], []), 16),
  });
  const images = results['images.gz'] as Outcome;
  assert.is(images.error, null, JSON.stringify(images.error));
  assert.equal(images.dims, dims);
  assert.is(images.sum, values.reduce((a, b) => a + b, 0));

  failed(results['zeros.gz'], /^IDX type code 0x00 is not one of/);
  const extra = failed(results['extra.gz'], /^IDX file has extra bytes: a 4 u8 array needs 12 bytes, the inflated data is longer \(decompression stopped at \d+ bytes\)$/);
  const stoppedAt = Number(/stopped at (\d+)/.exec(extra)?.[1]);
  // Chrome inflates a whole 16 KiB input chunk (at most about 16 MiB of zeros) before it can stop.
  assert.ok(stoppedAt < 20 * MiB, `inflated ${stoppedAt} bytes`);
  failed(results['oversized.gz'], /^IDX dimensions 65536×32768 \(u8\) are too large/);
  failed(results['corrupt.gz'], /gzip data is corrupt or truncated|IDX/);
  failed(results['truncated.gz'], /gzip data is corrupt or truncated/);
  const valid = results['valid16.gz'] as Outcome;
  assert.is(valid.error, null, JSON.stringify(valid.error));
  for (const name of ['zeros.gz', 'extra.gz', 'oversized.gz']) assertComparable((results[name] as Outcome).ms, valid.ms, 10, name);
});

test.run();

// `npm run train`'s flags and paths, checked in process and before anything trains: numbers in
// decimal only, a dataset that is a regular file or a directory, a --save path that can be written,
// flags that contradict each other; each a one-line usage error (exit code 2) naming the flag.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../cli/main.ts';
import { parseArgs, USAGE } from '../cli/options.ts';
import { servedFiles } from '../cli/run-chrome.ts';
import { buildSpec } from '../cli/main.ts';
import { checkSavePath, writeModel } from '../cli/save.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const test = suite('train command options');
const seed = testSeed('train command options');
const work = mkdtempSync(join(tmpdir(), 'cli-options-'));
test.after(() => {
  chmodSync(join(work, 'read-only'), 0o755);
  rmSync(work, { recursive: true, force: true });
});
const csv = join(work, 'data.csv');
writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n');
mkdirSync(join(work, 'read-only'));
chmodSync(join(work, 'read-only'), 0o555);
const fifo = join(work, 'fifo.csv');
execFileSync('mkfifo', [fifo]);

/** Runs the command in process; resolves with its exit code and what it wrote. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

/** A usage error: exit code 2, one line on stderr (no stack), nothing on stdout (nothing started). */
async function usage(argv: string[], message: RegExp): Promise<string> {
  const r = await run(argv);
  assert.is(r.code, 2, `${argv.join(' ')}: exit code ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.is(r.stdout, '', `${argv.join(' ')}: nothing starts`);
  assert.is(r.stderr.trimEnd().split('\n').length, 1, `${argv.join(' ')}: one line, got\n${r.stderr}`);
  assert.match(r.stderr.trimEnd(), message, argv.join(' '));
  return r.stderr.trimEnd();
}

test('numbers are decimal only; anything else is a usage error naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [['--lr', '0x10'], /^train: --lr needs a number > 0 written in decimal \(such as 0\.05 or 5e-2\), got '0x10'$/],
    [['--lr', '1e'], /--lr needs a number > 0 written in decimal .*got '1e'/],
    [['--lr', 'Infinity'], /--lr needs a number > 0 written in decimal .*got 'Infinity'/],
    [['--lr', ' 3'], /--lr needs a number > 0 written in decimal .*got ' 3'/],
    [['--lr', '-1'], /--lr needs a number > 0, got '-1'/],
    [['--lr', '1e39'], /--lr needs a number > 0 within float32 \(at most 3\.4e38\), got '1e39'/],
    [['--l2', '1e300'], /--l2 needs a number ≥ 0 within float32 \(at most 3\.4e38\), got '1e300'/],
    [['--l2', '0b1'], /--l2 needs a number ≥ 0 written in decimal/],
    [['--epochs', '2.5'], /--epochs needs a positive integer, got '2\.5'/],
    [['--epochs', '1e3'], /--epochs needs a positive integer, got '1e3'/],
    [['--epochs', ' 3'], /--epochs needs a positive integer, got ' 3'/],
    [['--seed', '0x10'], /--seed needs an integer, got '0x10'/],
    [['--validation', '0o7'], /--validation needs a number in \[0, 1\) written in decimal/],
    [['--grid-lr', '0.1,0x10'], /--grid-lr needs comma-separated numbers > 0 written in decimal .*got '0x10'/],
    [['--lr'], /^train: --lr needs a value$/],
    // Rates the GPU would flush to 0, and grids GridSearch refuses, fail here rather than after the browser starts.
    [['--lr', '1e-40'], /^train: --lr needs a number > 0 of at least 1\.18e-38 \(the smallest normal float32: the GPU would use 0\), got '1e-40'$/],
    [['--grid-lr', '0.1,1e-45'], /--grid-lr needs comma-separated numbers > 0 of at least 1\.18e-38 .*got '1e-45'$/],
    [['--grid-lr', Array.from({ length: 257 }, (_, i) => `${i + 1}e-3`).join(',')], /^train: --grid-lr has 257 rates, over the grid search's limit of 256$/],
    [['--label', ''], /^train: --label needs a value$/],
    [['--dataset='], /^train: --dataset needs a value$/],
    [['--data', ''], /^train: --data needs a value$/],
    [['--json=yes'], /^train: --json takes no value$/],
    [['--bogus'], /^train: unknown option --bogus \(see --help\)$/],
    [['iris'], /^train: unexpected argument 'iris' \(options start with --; see --help\)$/],
  ];
  for (const [argv, message] of cases) await usage(argv, message);
  // Decimal forms that are numbers stay numbers; a negative value may follow its flag.
  assert.is(parseArgs(['--lr', '.5']).lr, 0.5);
  assert.is(parseArgs(['--lr', '5e-2']).lr, 0.05);
  assert.is(parseArgs(['--l2=1E-4']).l2, 1e-4);
  assert.is(parseArgs(['--seed', '-3']).seed, -3);
  assert.equal(parseArgs(['--grid-lr', '0.01, 0.1']).gridLr, [0.01, 0.1]);
  assert.is(parseArgs(['--no-standardize', '--standardize']).standardize, true, 'the last one wins');
  assert.is(parseArgs(['--standardize', '--no-standardize']).standardize, false);
  assert.is(parseArgs(['-h']).help, true);
});

test('contradicting flags: --solver lbfgs with --grid-lr or an --optimizer', async () => {
  const message = await usage(['--solver', 'lbfgs', '--grid-lr', '0.1,1'], /--grid-lr searches the learning rates of --solver sgd; --solver lbfgs has no learning rate/);
  assert.match(message, /leave out one of them$/);
  await usage(['--solver', 'lbfgs', '--optimizer', 'adam'], /--optimizer adam steps --solver sgd; --solver lbfgs picks its own steps: leave out one of them$/);
  await usage(['--optimizer', 'rmsprop'], /--optimizer must be one of sgd, momentum, nesterov, adam, got 'rmsprop'/);
  await usage(['--grid-lr', '0.1,1', '--validation', '0'], /--validation must be > 0/);
});

test('--dataset must be a regular file or a directory: a FIFO is refused at once, never read', async () => {
  await usage(['--dataset', fifo], /^train: --dataset \S+fifo\.csv: not a regular file or a directory \(a FIFO, socket or device cannot be read as a dataset\)$/);
  await usage(['--dataset', '/dev/zero'], /--dataset \/dev\/zero: not a regular file or a directory/);
  // An IDX directory whose files are FIFOs is refused too.
  const dir = join(work, 'idx-fifos');
  mkdirSync(dir);
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) execFileSync('mkfifo', [join(dir, name)]);
  await usage(['--dataset', dir], /--dataset \S+idx-fifos: \S+train-images-idx3-ubyte is not a regular file/);
});

test('the Chrome page is served its two files and the dataset\'s files, by name, and nothing else', () => {
  const rng = mulberry32(seed);
  const dir = join(work, `set-${randomInt(rng, 0, 1e6)}`);
  mkdirSync(dir);
  const file = join(dir, 'x.csv');
  writeFileSync(file, 'a,label\n1,0\n2,1\n');
  writeFileSync(join(dir, 'sibling.csv'), 'private\n');
  const { spec, files } = buildSpec(parseArgs(['--dataset', file]));
  assert.equal(files, { 'x.csv': file });
  assert.is(spec.dataset.kind === 'csv' && spec.dataset.file, 'x.csv');
  assert.equal(servedFiles(files), {
    '/harness/train.html': 'harness/train.html',
    '/build/harness/train-page.js': 'build/harness/train-page.js',
    '/datasets/data/x.csv': file,
  });
  assert.equal(buildSpec(parseArgs([])).files, {}, 'iris is embedded: no data file');
});

test('--optimizer goes into the job with its default rate: a tenth of SGD\'s with momentum, a fifth with Adam; --lr wins', () => {
  const rate = (args: string[]): [string, number] => {
    const { spec } = buildSpec(parseArgs(args));
    return [spec.optimizer, spec.learningRate];
  };
  assert.equal(rate([]), ['sgd', 0.5]);
  assert.equal(rate(['--optimizer', 'momentum']), ['momentum', 0.05]);
  assert.equal(rate(['--optimizer', 'nesterov', '--model', 'linear']), ['nesterov', 0.01]);
  assert.equal(rate(['--optimizer', 'adam']), ['adam', 0.1]);
  assert.equal(rate(['--optimizer', 'adam', '--model', 'linear']), ['adam', 0.02]);
  assert.equal(rate(['--optimizer', 'adam', '--lr', '0.002']), ['adam', 0.002]);
});

test('--save is checked before anything trains: empty, a directory, a missing parent, an unwritable place', async () => {
  // As root, permissions do not stop a write; sysfs refuses to create files for anyone.
  const unwritable = process.getuid?.() === 0 ? '/sys/webgpu-logreg-model.json' : join(work, 'read-only', 'model.json');
  await usage(['--save', ''], /^train: --save needs a file name$/);
  await usage(['--save='], /^train: --save needs a file name$/);
  await usage(['--save', work], new RegExp(`^train: --save ${work}: is a directory; give a file name such as ${work}/model\\.json$`));
  await usage(['--save', join(work, 'no-such-dir', 'm.json')], new RegExp(`^train: --save \\S+m\\.json: the directory ${work}/no-such-dir does not exist$`));
  await usage(['--save', join(csv, 'm.json')], /^train: --save \S+: \S+data\.csv is not a directory$/);
  await usage(['--save', unwritable], /^train: --save \S+: cannot write there: (permission denied \((EACCES|EPERM)\)|read-only file system \(EROFS\))$/);
  // The check leaves no file behind, and an existing file as it was.
  const fresh = join(work, 'fresh.json');
  checkSavePath(fresh);
  assert.not.ok(existsSync(fresh), 'the probe file is removed');
  const existing = join(work, 'existing.json');
  writeFileSync(existing, '{"keep":true}');
  checkSavePath(existing);
  assert.is(readFileSync(existing, 'utf8'), '{"keep":true}', 'an existing file is not truncated by the check');
});

test('writeModel: a write that fails puts the model in a temporary file and says where', () => {
  const target = join(work, 'gone', 'model.json');
  const saved = writeModel(target, '{"W":[1]}\n');
  assert.is(saved.failure, 'no such file or directory (ENOENT)');
  assert.ok(saved.path.startsWith(tmpdir()) && saved.path.endsWith('model.json'), saved.path);
  assert.is(readFileSync(saved.path, 'utf8'), '{"W":[1]}\n');
  rmSync(join(saved.path, '..'), { recursive: true });
  const ok = writeModel(join(work, 'ok.json'), '{}');
  assert.equal(ok, { path: join(work, 'ok.json'), failure: null });
});

test('--help lists every flag the parser knows', async () => {
  const r = await run(['--help']);
  assert.is(r.code, 0);
  assert.is(r.stdout.trimEnd(), USAGE);
  const known = ['dataset', 'data', 'model', 'solver', 'optimizer', 'epochs', 'batch-size', 'lr', 'grid-lr', 'lr-decay', 'l2', 'seed', 'runtime', 'save', 'json', 'limit', 'label', 'no-header', 'missing', 'test-fraction', 'validation', 'standardize', 'no-standardize', 'help'];
  for (const flag of known) assert.match(USAGE, new RegExp(`--${flag}\\b`), `--help mentions --${flag}`);
  for (const m of USAGE.matchAll(/--([a-z][a-z0-9-]*)/g)) assert.ok(known.includes(m[1] as string), `--help mentions --${m[1]}, which the parser does not know`);
});

test.run();

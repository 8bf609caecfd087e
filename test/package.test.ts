// The package as users get it: `npm pack`, the tarball installed into a fresh project under the OS
// temp directory (with the optional peer `webgpu`, from the npm cache or registry), then imported in
// Node, type-checked by TypeScript, and bundled by esbuild into a page that trains in headless Chrome.
// Every example in examples/ runs here too, each result checked against the float64 trainer.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'puppeteer';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelRun } from '../harness/fixtures.ts';
import { startStaticServer, type StaticServer } from '../harness/server.ts';
import { loadIris, loadIrisBinary } from '../src/data/iris.ts';
import { fitStandardizer } from '../src/data/preprocess.ts';
import { assertClose, relativeError } from './support/compare.ts';
import { openBrowserContext } from './support/chrome.ts';
import { cpuFit } from './support/models.ts';
import { dawnEnv, describeRun, lastJsonLine, runNode, runProgram, type NodeRun } from './support/node-gpu.ts';
import { clockTests } from './support/test-clock.ts';

const test = suite('package: pack, install, import; examples');
clockTests(test, 'package: pack, install, import; examples');
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const PARAM_TOLERANCE = 1e-3; // ‖θ_gpu − θ_cpu‖/‖θ_cpu‖ after training
const LOSS_TOLERANCE = 1e-3; // per epoch, relative

/** What the tarball may hold: the bundle, its map, the declarations and the docs. */
const ALLOWED_FILE = /^(package\.json|README\.md|API\.md|CHANGELOG\.md|LICENSE|dist\/index\.(js|js\.map|d\.ts)|dist\/types\/.+\.d\.ts)$/;
const REQUIRED_FILES = ['package.json', 'LICENSE', 'README.md', 'API.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.js.map', 'dist/index.d.ts', 'dist/types/index.d.ts'];

interface State {
  tmp: string;
  app: string;
  packedFiles: string[];
  /** A browser context of the shared WebGPU Chromium, and what closes it. */
  browser: BrowserContext;
  releaseBrowser: () => Promise<void>;
  rootServer: StaticServer;
  /** Serves the temp project's www/, where the bundled page goes. */
  appServer: StaticServer;
}

let state: State | null = null;
const s = (): State => {
  if (state === null) throw new Error('the packed project was not set up');
  return state;
};

/** The environment for npm in the temp project, without the npm_* variables of an enclosing `npm test`. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

async function npm(args: readonly string[], cwd: string): Promise<NodeRun> {
  const run = await runProgram('npm', args, { cwd, env: cleanEnv(), killAfterMs: 300_000 });
  if (run.code !== 0) throw new Error(describeRun(`npm ${args.join(' ')}`, run));
  return run;
}

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

test.before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/index.js')), 'dist/index.js is missing: run npm run build first');
  const tmp = mkdtempSync(join(tmpdir(), 'webgpu-logreg-pack-'));
  try {
    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0];
    if (info === undefined) throw new Error(`npm pack printed no package: ${packed.stdout}`);
    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
    // The tarball has no runtime dependencies; webgpu (an optional peer) and @webgpu/types come from
    // the npm cache that installing this repository filled, or from the registry.
    await npm(
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, info.filename),
        `webgpu@${installedVersion('webgpu')}`, `@webgpu/types@${installedVersion('@webgpu/types')}`],
      app,
    );
    mkdirSync(join(app, 'www'));
    const rootServer = await startStaticServer(ROOT);
    const appServer = await startStaticServer(join(app, 'www'));
    const { context: browser, release: releaseBrowser } = await openBrowserContext();
    state = { tmp, app, packedFiles: info.files.map((f) => f.path), browser, releaseBrowser, rootServer, appServer };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
});

test.after(async () => {
  if (state === null) return;
  // Browser first: the servers' close() waits for Chrome's keep-alive connections to end.
  await state.releaseBrowser();
  await state.rootServer.close();
  await state.appServer.close();
  rmSync(state.tmp, { recursive: true, force: true });
  state = null;
});

interface PageResult {
  status: string;
  summary: string;
}

/** Opens a page that sets body[data-state] when it is done; console errors and page errors fail it. */
async function runPage(url: string): Promise<PageResult> {
  const page = await s().browser.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught in page: ${String(err)}`));
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-state]', { timeout: 120_000 });
    const state = await page.$eval('body', (b) => b.dataset.state ?? '');
    const status = await page.$eval('#status', (e) => e.textContent ?? '');
    const summary = await page.$eval('#summary', (e) => e.textContent ?? '');
    if (state !== 'done' || problems.length > 0) assert.unreachable(`${url}: ${state}: ${status} ${problems.join('; ')}`);
    return { status, summary };
  } finally {
    await page.close();
  }
}

interface TrainedSummary {
  fit: Record<string, unknown>;
  loss: number[];
  W: number[];
  b: number[];
}

/** Every epoch's loss and the final parameters against the float64 trainer on the same problem. */
function assertMatchesReference(what: string, run: ModelRun, got: TrainedSummary): void {
  const ref = cpuFit(run);
  assert.is(got.loss.length, ref.history.loss.length, `${what}: epochs run`);
  got.loss.forEach((l, e) => {
    const r = ref.history.loss[e] as number;
    assert.ok(Math.abs(l - r) / Math.max(Math.abs(r), 1e-6) <= LOSS_TOLERANCE, `${what}: epoch ${e} loss ${l} vs ${r}`);
  });
  const err = relativeError([...got.W, ...got.b], [...ref.W.data, ...ref.b.data]);
  console.log(`  [${what}] parameter error vs float64 ${err.toExponential(2)}`);
  assert.ok(err <= PARAM_TOLERANCE, `${what}: parameter error ${err}`);
}

/** Names src/index.ts exports: values (functions, classes, namespaces, constants) and types. */
function sourceExports(): { values: string[]; types: string[] } {
  const src = readFileSync(join(ROOT, 'src/index.ts'), 'utf8');
  const values: string[] = [];
  const types: string[] = [];
  for (const m of src.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s+from/g)) {
    for (const part of (m[2] ?? '').split(',')) {
      const spec = part.trim();
      if (spec === '') continue;
      const isType = m[1] !== undefined || spec.startsWith('type ');
      const name = spec.replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim() ?? '';
      (isType ? types : values).push(name);
    }
  }
  for (const m of src.matchAll(/export\s+\*\s+as\s+(\w+)\s+from/g)) values.push(m[1] ?? '');
  for (const m of src.matchAll(/export\s+(?:async\s+)?(?:function|class|const)\s+(\w+)/g)) values.push(m[1] ?? '');
  return { values: values.sort(), types: types.sort() };
}

test('the tarball holds the bundle, its source map, the declarations and the docs, and nothing else', () => {
  const files = s().packedFiles;
  const stray = files.filter((f) => !ALLOWED_FILE.test(f));
  assert.equal(stray, [], `files that should not be published: ${stray.join(', ')}`);
  for (const f of REQUIRED_FILES) assert.ok(files.includes(f), `${f} is not in the tarball`);
});

test('the installed package: ESM entry with types, no runtime dependencies, optional peers', () => {
  const dir = join(s().app, 'node_modules/webgpu-logreg');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.is(pkg.type, 'module');
  assert.is(pkg.sideEffects, false);
  const root = (pkg.exports as Record<string, Record<string, string>>)['.'];
  assert.is(root?.types, './dist/index.d.ts');
  assert.is(root?.import, './dist/index.js');
  assert.equal(Object.keys((pkg.dependencies as object | undefined) ?? {}), [], 'runtime dependencies');
  const meta = pkg.peerDependenciesMeta as Record<string, { optional?: boolean }>;
  for (const peer of Object.keys(pkg.peerDependencies as object)) assert.ok(meta[peer]?.optional === true, `peer ${peer} is not optional`);
  assert.not.ok(existsSync(join(dir, 'node_modules')), 'the package pulled in packages of its own');
  const bundle = readFileSync(join(dir, 'dist/index.js'), 'utf8');
  assert.not.match(bundle, /^\s*import\s[^;]*from\s*['"][^.'"]/m, 'the bundle has a bare import');
});

test('Node imports the installed package: the same exports as src/index.ts, each documented in API.md', async () => {
  const script = "const m = await import('webgpu-logreg'); console.log(JSON.stringify({ top: Object.keys(m).sort(), ops: Object.keys(m.ops).sort(), cpu: Object.keys(m.cpu).sort() }));";
  const run = await runNode(['--input-type=module', '-e', script], { cwd: s().app });
  if (run.code !== 0) assert.unreachable(describeRun('importing webgpu-logreg', run));
  const got = lastJsonLine<{ top: string[]; ops: string[]; cpu: string[] }>(run.stdout);
  const { values, types } = sourceExports();
  assert.equal(got.top, values, 'runtime exports of the installed package vs src/index.ts');
  const api = readFileSync(join(ROOT, 'API.md'), 'utf8');
  const documented = (name: string): boolean => new RegExp('`' + name.replace(/\./g, '\\.') + '[`(<.]').test(api);
  const names = [...values, ...types, ...got.ops.map((n) => `ops.${n}`), ...got.cpu.map((n) => `cpu.${n}`)];
  const missing = names.filter((n) => !documented(n));
  assert.equal(missing, [], `exports missing from API.md: ${missing.join(', ')}`);
});

test('TypeScript resolves the installed declarations (browser app with DOM lib; Node app with @webgpu/types)', async () => {
  const app = s().app;
  writeFileSync(join(app, 'browser-app.ts'), [
    "import { createContext, GpuContext, LogisticRegression, ValueError, type FitOptions, type History, type MatrixInput } from 'webgpu-logreg';",
    'export async function train(X: MatrixInput, y: number[]): Promise<History> {',
    '  const ctx: GpuContext = await createContext({ powerPreference: "high-performance" });',
    '  const model = new LogisticRegression(ctx, { nFeatures: 2, threshold: 0.4 });',
    '  const options: FitOptions<MatrixInput, number[]> = { epochs: 2, learningRate: { kind: "exponential", initial: 0.5, decay: 0.1 } };',
    '  try { return await model.fit(X, y, options); } finally { model.destroy(); ctx.destroy(); }',
    '}',
    'export const isValueError = (e: unknown): boolean => e instanceof ValueError;',
    '// @ts-expect-error nFeatures is required',
    'export const bad = (ctx: GpuContext) => new LogisticRegression(ctx, {});',
    '',
  ].join('\n'));
  writeFileSync(join(app, 'node-app.ts'), [
    "import { create } from 'webgpu';",
    "import { createContext, SoftmaxRegression, type GpuContext } from 'webgpu-logreg';",
    'export async function open(): Promise<GpuContext> { return createContext({ gpu: create([]) }); }',
    'export const model = (ctx: GpuContext): SoftmaxRegression => new SoftmaxRegression(ctx, { nFeatures: 4, nClasses: 3 });',
    '// @ts-expect-error gpu must be a GPU',
    'export const bad = () => createContext({ gpu: 42 });',
    '',
  ].join('\n'));
  const base = { strict: true, noEmit: true, target: 'ES2022', types: [] as string[] };
  writeFileSync(join(app, 'tsconfig.browser.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], skipLibCheck: false },
    files: ['browser-app.ts'],
  }));
  writeFileSync(join(app, 'tsconfig.node.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['@webgpu/types'], skipLibCheck: true },
    files: ['node-app.ts'],
  }));
  for (const config of ['tsconfig.browser.json', 'tsconfig.node.json']) {
    const run = await runNode([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: app });
    if (run.code !== 0) assert.unreachable(describeRun(`tsc -p ${config}`, run));
  }
  // The README tells Node users to set skipLibCheck: without it the errors must all lie in
  // @webgpu/types (which webgpu's types import), none in this package's declarations.
  writeFileSync(join(app, 'tsconfig.node-libcheck.json'), JSON.stringify({
    compilerOptions: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['@webgpu/types'], skipLibCheck: false },
    files: ['node-app.ts'],
  }));
  const strict = await runNode([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.node-libcheck.json'], { cwd: app });
  const errors = strict.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  const ours = errors.filter((l) => !l.includes('@webgpu/types/'));
  assert.equal(ours, [], 'type errors outside @webgpu/types with skipLibCheck off');
  if (errors.length > 0) assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), '"skipLibCheck": true', 'README must tell Node users to set skipLibCheck');
});

test('examples/node/train.mjs trains softmax regression on Dawn from the installed package', async () => {
  const app = s().app;
  copyFileSync(join(ROOT, 'examples/node/train.mjs'), join(app, 'train.mjs'));
  const run = await runNode(['train.mjs', '--json'], { cwd: app, env: dawnEnv() });
  if (run.code !== 0) assert.unreachable(describeRun('examples/node/train.mjs', run));
  assert.match(run.stdout, /test accuracy: /);
  const got = lastJsonLine<TrainedSummary & { X: ModelRun['X']; y: number[]; accuracy: number }>(run.stdout);
  const iris = loadIris();
  assert.is(got.X.rows, 120, 'training rows');
  assert.equal([...new Set(got.y)].sort(), [0, 1, 2], 'training labels');
  assert.ok(got.X.rows < iris.X.rows, 'some flowers are held out');
  assertMatchesReference('node example', { model: 'softmax', options: { nFeatures: 4, nClasses: 3 }, X: got.X, y: got.y, fit: got.fit }, got);
  assert.ok(got.accuracy >= 0.85, `held-out accuracy ${got.accuracy}`);
});

test('examples/browser: a plain <script type="module"> page importing dist/index.js trains in Chrome', async () => {
  const result = await runPage(`${s().rootServer.url}/examples/browser/index.html`);
  const got = JSON.parse(result.summary) as TrainedSummary & { accuracy: number };
  const iris = loadIrisBinary();
  const X = fitStandardizer(iris.X).transform(iris.X);
  const run: ModelRun = { model: 'logistic', options: { nFeatures: 4 }, X: { data: Array.from(X.data), rows: X.rows, cols: X.cols }, y: Array.from(iris.y), fit: got.fit };
  assertMatchesReference('browser example', run, got);
  assert.ok(got.accuracy >= 0.9, `training accuracy ${got.accuracy}`);
  assert.match(result.status, /Training accuracy/);
});

interface ByoSummary extends TrainedSummary {
  X: ModelRun['X'];
  y: number[];
  r2: number;
  after: number[];
}

/** The bring-your-own-device page: the app's features, the fit on the shared device, the device after. */
function checkByoDevice(what: string, summary: string): void {
  const got = JSON.parse(summary) as ByoSummary;
  const xs = Array.from({ length: got.X.rows }, (_, i) => Math.fround(-1 + (2 * i) / 49));
  assertClose(got.X.data, xs.flatMap((x) => [x, Math.fround(x * x)]), 1e-6, `${what}: the app's [x, x²] features`);
  assertMatchesReference(what, { model: 'linear', options: { nFeatures: 2 }, X: got.X, y: got.y, fit: got.fit }, got);
  assert.ok(got.r2 >= 0.99, `${what}: R² ${got.r2}`);
  assert.equal(got.after, [2, 4, -3, 9], `${what}: the app's shader after ctx.destroy()`);
}

test('examples/byo-device without a bundler (import map to dist/index.js): one device shared with app code', async () => {
  const result = await runPage(`${s().rootServer.url}/examples/byo-device/index.html`);
  checkByoDevice('byo-device page', result.summary);
});

test('esbuild bundles examples/byo-device/main.js from the temp project; the page trains in Chrome', async () => {
  const app = s().app;
  const www = join(app, 'www');
  copyFileSync(join(ROOT, 'examples/byo-device/main.js'), join(app, 'main.js'));
  const result = await build({
    absWorkingDir: app, entryPoints: ['main.js'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    minify: true, outfile: join(www, 'bundle.js'), metafile: true, logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  assert.equal(inputs, ['main.js', 'node_modules/webgpu-logreg/dist/index.js'], 'the bundle is built from the installed package');
  // A minifying bundler keeps the licence notices (MIT asks for them in every copy).
  const bundled = readFileSync(join(www, 'bundle.js'), 'utf8');
  // The library's own notice, and the copyright line of each package dist/index.js bundles (none
  // since the shaders are reflected at build time, but a bundled dependency must keep its notice).
  const dist = readFileSync(join(ROOT, 'dist/index.js'), 'utf8');
  const header = dist.slice(0, Math.max(0, dist.indexOf('\nvar ')));
  const notices = ['webgpu-logreg contributors', ...[...header.matchAll(/^Copyright .*$/gm)].map((m) => m[0].trim())];
  for (const notice of notices) assert.ok(bundled.includes(notice), `the app bundle lost '${notice}'`);
  writeFileSync(join(www, 'index.html'), [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bundled</title></head>',
    '<body><p id="status"></p><pre id="summary"></pre><script type="module" src="./bundle.js"></script></body></html>',
  ].join('\n'));
  const page = await runPage(`${s().appServer.url}/index.html`);
  checkByoDevice('bundled byo-device page', page.summary);
});

test('the size check passes within its budget and fails past it', async () => {
  const ok = await runNode(['scripts/check-size.mjs', 'dist/index.js'], { cwd: ROOT });
  if (ok.code !== 0) assert.unreachable(describeRun('scripts/check-size.mjs', ok));
  console.log(`  [size] ${ok.stdout.trim()}`);
  const gzip = Number(/= (\d+) B minified\+gzipped/.exec(ok.stdout)?.[1]);
  assert.ok(gzip > 0, `no size in: ${ok.stdout}`);
  const over = await runNode(['scripts/check-size.mjs', 'dist/index.js', String(gzip - 1)], { cwd: ROOT });
  assert.is(over.code, 1, 'a budget one byte under the size must fail');
  assert.match(over.stderr, /over the size budget by 1 bytes/);
});

test('the build prints the size line only when asked (npm run build, npm run size); past the budget it always fails', async () => {
  const check = (budget: number): string =>
    `const { checkBundleSize } = await import('./scripts/check-size.mjs'); await checkBundleSize('dist/index.js', ${budget}, { quiet: true });`;
  const quiet = await runNode(['--input-type=module', '-e', check(10 * 1024 * 1024)], { cwd: ROOT });
  if (quiet.code !== 0) assert.unreachable(describeRun('a quiet size check', quiet));
  assert.is(quiet.stdout, '', 'a quiet check within budget prints nothing');
  const over = await runNode(['--input-type=module', '-e', check(1)], { cwd: ROOT });
  assert.is(over.code, 1, 'quiet or not, a bundle over budget fails the build');
  assert.match(over.stderr, /over the size budget/);
  // Only the scripts whose point is the size pass --size to build.mjs; train, demo, test and bench build quietly.
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const loud = Object.entries(scripts).filter(([, cmd]) => /build\.mjs --size/.test(cmd)).map(([name]) => name);
  assert.equal(loud, ['build'], 'scripts that print the size line while building');
  assert.match(scripts['size'] ?? '', /check-size\.mjs --readme/, 'npm run size prints the sizes and writes them into README');
});

// A new example must be run by a test: these three here, deno and worker by runtime-examples.test.ts.
test('the examples folder holds only the examples the tests run', () => {
  assert.equal(readdirSync(join(ROOT, 'examples')).filter((f) => !f.endsWith('.md')).sort(), ['browser', 'byo-device', 'deno', 'node', 'worker']);
});

test.run();

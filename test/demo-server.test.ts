// The demo without WebGPU (it runs on the 'js' engine, not a blank page) and its server: the arguments, the routes,
// and the script as `npm run demo` runs it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChrome } from '../harness/browser.ts';
import { DEFAULT_FASHION_MNIST_DIR, parseDemoArgs, routeRequest } from '../demo/serve.ts';
import { demoSuite, openDemo, screenshotPath, waitForState } from './support/demo-page.ts';
import { describeRun, runNode } from './support/node-gpu.ts';

const ROOT = new URL('..', import.meta.url).pathname;

const { test: noGpu, env: noGpuEnv } = demoSuite('demo page without WebGPU');

noGpu("Chromium without --enable-unsafe-webgpu: the demo runs on the 'js' engine and says so", async () => {
  const { server: s } = noGpuEnv();
  const bare = await launchChrome({ webgpu: false });
  try {
    const { page } = await openDemo(bare, s.url);
    assert.is(await waitForState(page, ['no-webgpu', 'ready'], 60_000), 'ready');
    // What this Chromium does without the flag: navigator.gpu exists, requestAdapter() gives null.
    const probe = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      return { hasGpu: gpu !== undefined, adapter: gpu === undefined ? null : (await gpu.requestAdapter()) !== null };
    });
    console.log(`  [demo] without the flag: navigator.gpu ${probe.hasGpu ? 'present' : 'absent'}, adapter ${probe.adapter === true ? 'found' : 'none'}`);
    assert.is(probe.adapter === true, false, 'the browser was expected to have no WebGPU adapter');
    assert.ok(await page.$eval('#app', (e) => !(e as HTMLElement).hidden), 'the controls are shown');
    assert.ok(await page.$eval('#no-webgpu', (e) => (e as HTMLElement).hidden), 'no failure message');
    assert.match(await page.$eval('#gpu-info', (e) => e.textContent ?? ''), "no WebGPU · plain JavaScript (engine 'js')");
    await page.screenshot({ path: screenshotPath('demo-no-webgpu') });
    await page.close();
  } finally {
    await bare.close();
  }
});

noGpu("a browser with no navigator.gpu at all runs it on the 'js' engine too", async () => {
  const { server: s, browser: b } = noGpuEnv();
  const { page } = await openDemo(b, s.url, async (p) => {
    // Older browsers have no navigator.gpu property at all.
    await p.evaluateOnNewDocument(() => {
      Object.defineProperty(navigator, 'gpu', { value: undefined });
    });
  });
  assert.is(await waitForState(page, ['no-webgpu', 'ready'], 60_000), 'ready');
  assert.is(await page.evaluate(() => (navigator as Navigator & { gpu?: GPU }).gpu), undefined, 'navigator.gpu was hidden');
  assert.match(await page.$eval('#gpu-info', (e) => e.textContent ?? ''), "engine 'js'");
  await page.close();
});

noGpu.run();

const cli = suite('demo server');

cli('parseDemoArgs: --port N, --port=N, --fashion-mnist DIR and --help; bad input names the argument', () => {
  assert.equal(parseDemoArgs([]), { port: 0, fashionMnistDir: DEFAULT_FASHION_MNIST_DIR, help: false });
  assert.equal(parseDemoArgs(['--port', '8123']), { port: 8123, fashionMnistDir: DEFAULT_FASHION_MNIST_DIR, help: false });
  assert.equal(parseDemoArgs(['--port=0', '--fashion-mnist=/tmp/x']), { port: 0, fashionMnistDir: '/tmp/x', help: false });
  assert.is(parseDemoArgs(['--help']).help, true);
  assert.is(parseDemoArgs(['-h']).help, true);
  assert.throws(() => parseDemoArgs(['--port', 'abc']), /--port must be an integer from 0 to 65535, got abc/);
  assert.throws(() => parseDemoArgs(['--port', '70000']), /got 70000/);
  assert.throws(() => parseDemoArgs(['--port']), /--port needs a value/);
  assert.throws(() => parseDemoArgs(['--verbose']), /unknown argument --verbose/);
});

cli('routeRequest serves the page and the four data files, nothing else', () => {
  const files = new Map([['/', '/r/demo/index.html'], ['/demo.js', '/r/build/demo/demo.js']]);
  const urls = { trainImages: 'a', trainLabels: 'b', testImages: 'c', testLabels: 'd' };
  assert.is(routeRequest('/?x=1', files, { fashionMnist: urls }, '/data'), '/r/demo/index.html');
  assert.is(routeRequest('/demo.js', files, {}, '/data'), '/r/build/demo/demo.js');
  assert.is(routeRequest('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz', files, { fashionMnist: urls }, '/data'), '/data/t10k-labels-idx1-ubyte.gz');
  assert.is(routeRequest('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz', files, {}, '/data'), null, 'not when the data set is absent');
  assert.is(routeRequest('/data/fashion-mnist/../../etc/passwd', files, { fashionMnist: urls }, '/data'), null);
  assert.is(routeRequest('/demo/serve.ts', files, {}, '/data'), null);
  assert.is(routeRequest('/package.json', files, {}, '/data'), null);
});

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => ok(port));
    });
  });
}

/** Runs the server script as `npm run demo` does (after its build), returns the URL it prints. */
async function runServer(args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL printed within 30 s: ${out}`)), 30_000);
    child.stdout.on('data', () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        ok(m[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code}: ${out}`));
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

cli('the server script prints its URL (a free port, or --port) and serves the page there', async () => {
  const chosen = await runServer([]);
  try {
    const res = await fetch(chosen.url);
    assert.is(res.status, 200);
    assert.match(await res.text(), '<script type="module" src="demo.js">');
    assert.is((await fetch(`${chosen.url}demo.js`)).status, 200, 'the bundle is served');
    const index = (await (await fetch(`${chosen.url}datasets.json`)).json()) as { fashionMnist?: unknown };
    assert.is(index.fashionMnist !== undefined, existsSync(`${DEFAULT_FASHION_MNIST_DIR}/t10k-labels-idx1-ubyte.gz`));
  } finally {
    chosen.stop();
  }
  const port = await freePort();
  const fixed = await runServer(['--port', String(port)]);
  try {
    assert.is(fixed.url, `http://127.0.0.1:${port}/`);
    assert.is((await fetch(fixed.url)).status, 200);
  } finally {
    fixed.stop();
  }
  // As `npm run demo -- --help` runs it: the usage, exit code 0, no server left running.
  const help = await runNode(['--import', 'tsx', 'demo/serve.ts', '--help'], { cwd: ROOT, killAfterMs: 30_000 });
  assert.is(help.code, 0, describeRun('demo/serve.ts --help', help));
  assert.match(help.stdout, /^Usage: npm run demo -- \[options\]/);
  assert.match(help.stdout, /--port N/);
  assert.match(help.stdout, /--fashion-mnist DIR/);
  const bad = await runServer(['--port', 'x']).then(
    () => 'started',
    (e: unknown) => String(e),
  );
  assert.match(bad, /exited with 2: demo: --port must be an integer from 0 to 65535, got x/);
});

cli.run();

// What a Node user meets before anything trains: the WebGPUUnavailableError for each way Node can
// lack WebGPU (no GPU object passed; Dawn finding no Vulkan) when engine 'gpu' is asked for ('auto'
// falls back to the 'js' engine instead: js-engine.test.ts), and the Node example run exactly as the
// README says, from a shell that has set up nothing. Each case runs in a child process, because the
// Vulkan loader is chosen by the environment a process starts with.
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeRun, lastJsonLine, runNode, SWIFTSHADER_ICD } from './support/node-gpu.ts';

const test = suite('Node set-up: WebGPU unavailable, and the example as README runs it');
const ROOT = new URL('..', import.meta.url).pathname;

interface Caught {
  name: string;
  message: string;
}

/** Runs createContext(options) from the built bundle in a child with `env`; returns the error it threw. */
async function contextError(optionsSource: string, env: NodeJS.ProcessEnv): Promise<{ caught: Caught; stderr: string }> {
  const script = [
    "import { create } from 'webgpu';",
    "import { createContext } from './dist/index.js';",
    'let out = { name: "none", message: "createContext succeeded" };',
    `try { (await createContext(${optionsSource})).destroy(); } catch (e) { out = { name: e.name, message: e.message }; }`,
    'console.log(JSON.stringify(out));',
    'process.exit(0);',
  ].join('\n');
  const run = await runNode(['--input-type=module', '-e', script], { cwd: ROOT, env, killAfterMs: 60_000 });
  if (run.code !== 0) assert.unreachable(describeRun('the createContext probe', run));
  return { caught: lastJsonLine<Caught>(run.stdout), stderr: run.stderr };
}

/** The parent's environment without any Vulkan choice, as in a fresh shell. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.VK_ICD_FILENAMES;
  delete env.LD_LIBRARY_PATH;
  return env;
}

test('Dawn with no Vulkan: the error names the loader, the variables that choose it, and lavapipe', async () => {
  // An empty LD_LIBRARY_PATH leaves out Chromium's loader; a driver manifest that does not exist
  // leaves out any system driver, so no machine finds an adapter here.
  const missing = '/nonexistent/vulkan_icd.json';
  const { caught, stderr } = await contextError("{ gpu: create([]), engine: 'gpu' }", { ...bareEnv(), LD_LIBRARY_PATH: '', VK_ICD_FILENAMES: missing });
  console.log(`  [node] ${caught.name}: ${caught.message.slice(0, 120)}…`);
  if (stderr.trim() !== '') console.log(`  [node] Dawn said: ${stderr.trim().split('\n')[0]}`);
  assert.is(caught.name, 'WebGPUUnavailableError');
  const m = caught.message;
  for (const part of [
    'found no adapter', 'Vulkan loader', 'libvulkan.so.1', "Couldn't load Vulkan",
    'apt-get install mesa-vulkan-drivers libvulkan1',
    'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node',
    `LD_LIBRARY_PATH=''`, `VK_ICD_FILENAMES='${missing}'`,
  ]) {
    assert.ok(m.includes(part), `the message lacks '${part}': ${m}`);
  }
  // The user already passed { gpu }; advice to pass it, or browser flags, would send them the wrong way.
  assert.not.ok(m.includes('createContext({ gpu'), `the message repeats the gpu advice: ${m}`);
  assert.not.ok(m.includes('--enable-unsafe-webgpu'), `the message gives browser advice in Node: ${m}`);
});

test('Node without a GPU object: the error says to pass the webgpu package\'s, not to fix Vulkan', async () => {
  const { caught } = await contextError("{ engine: 'gpu' }", bareEnv());
  assert.is(caught.name, 'WebGPUUnavailableError');
  assert.match(caught.message, 'no navigator.gpu');
  assert.match(caught.message, 'createContext({ gpu: create([]) })');
  assert.not.match(caught.message, /Vulkan|--enable-unsafe-webgpu/);
});

test('`node examples/node/train.mjs` from the repository, in a shell that set up no Vulkan, trains', async () => {
  if (!existsSync(SWIFTSHADER_ICD)) {
    console.log(`  (skipped: no ${SWIFTSHADER_ICD}; the example then runs only where the system has a Vulkan driver)`);
    return;
  }
  const run = await runNode(['examples/node/train.mjs', '--json'], { cwd: ROOT, env: bareEnv(), killAfterMs: 180_000 });
  if (run.code !== 0) assert.unreachable(describeRun('node examples/node/train.mjs', run));
  assert.match(run.stdout, /test accuracy: \d+(\.\d)? % on 30 held-out flowers/);
  assert.not.match(run.stderr, /WebGPUUnavailableError/);
  const summary = lastJsonLine<{ accuracy: number }>(run.stdout);
  assert.ok(summary.accuracy >= 0.85, `held-out accuracy ${summary.accuracy}`);
});

test.run();

// What createContext() says when it finds no WebGPU: why, for the environment it runs in (a page,
// Node, Node on Dawn with no Vulkan); the warning of the fallback to the 'js' engine; and the error a
// WebGPU-only call throws on a 'js' context.
import type { AdapterDescription } from './context-options.ts';
import { StateError } from '../errors.ts';

const HOW_TO_GET_WEBGPU_IN_A_BROWSER =
  'In a browser it needs a WebGPU-capable Chrome/Edge/Safari and a secure page (https:, or http://127.0.0.1 / localhost); ' +
  'headless Chromium also needs --enable-unsafe-webgpu.';

/** Node's process object, read from globalThis because the bundle imports no node: modules; undefined in a page. */
interface NodeProcess {
  versions: { node: string };
  platform: string;
  env: Record<string, string | undefined>;
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string' ? (p as NodeProcess) : undefined;
}

/** Why navigator.gpu is missing, for the environment we run in. */
export function noGpuMessage(): string {
  if (nodeProcess() === undefined) return `WebGPU is not available here (no navigator.gpu). ${HOW_TO_GET_WEBGPU_IN_A_BROWSER}`;
  return (
    'WebGPU is not available here (no navigator.gpu): Node has no WebGPU of its own. Install the "webgpu" package ' +
    "(Dawn) and pass its GPU object: createContext({ gpu: create([]) }) with import { create } from 'webgpu'."
  );
}

/**
 * Why requestAdapter() gave nothing. In Node that is Dawn finding no driver: on Linux most often the
 * Vulkan loader is missing (Dawn prints "Couldn't load Vulkan: libvulkan.so.1" just before), which
 * the browser advice would not fix; the message names the loader, drivers that need no GPU, and the
 * values this process has of the two environment variables that choose them.
 */
export function noAdapterMessage(): string {
  const node = nodeProcess();
  if (node === undefined) return `WebGPU found no adapter. ${HOW_TO_GET_WEBGPU_IN_A_BROWSER}`;
  const dawn = 'WebGPU found no adapter: Dawn (the "webgpu" package) found no GPU driver it can use.';
  if (node.platform !== 'linux') {
    return `${dawn} It runs on Metal on macOS and on D3D12 or Vulkan on Windows: check that the GPU and its driver support one of them.`;
  }
  const shown = (name: string): string => `${name}=${node.env[name] === undefined ? '(unset)' : `'${node.env[name]}'`}`;
  return (
    `${dawn} On Linux it needs a Vulkan driver and the Vulkan loader, libvulkan.so.1 ` +
    '(a "Couldn\'t load Vulkan" warning above means the loader is missing). Without a GPU, a CPU Vulkan driver works: ' +
    "Mesa's lavapipe (Debian/Ubuntu: apt-get install mesa-vulkan-drivers libvulkan1), or Chromium's SwiftShader " +
    'with the loader Chromium ships, chosen when Node starts: ' +
    'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node app.mjs ' +
    `(in this process: ${shown('LD_LIBRARY_PATH')}, ${shown('VK_ICD_FILENAMES')}).`
  );
}

/**
 * What a WebGPU-only call on a 'js' context throws: the ops API and GPU matrices need a device, which
 * such a context does not have; the estimators and GridSearch do not.
 */
export function webGpuOnlyError(what: string): StateError {
  return new StateError(
    `${what} needs WebGPU, but this context runs the 'js' engine (no GPU device): the ops API (ops.*), ctx.upload(), ctx.zeros() ` +
    'and GPU matrices are WebGPU-only. The estimators and GridSearch run on it; for the ops, create the context where WebGPU is available.',
  );
}

/** The adapter description of a 'js' context: no adapter, the host CPU. */
export const NO_ADAPTER: AdapterDescription = { vendor: '', architecture: '', device: '', description: 'JavaScript (no WebGPU)', cpu: true };

/** Says once, for the context being created, that 'auto' found no WebGPU and why. */
export function warnFallback(reason: string): void {
  console.warn(
    `webgpu-logreg: ${reason} Falling back to engine 'js' (training and prediction in plain JavaScript on the CPU; the ops API is unavailable). ` +
    "Pass { engine: 'js' } to choose it without this warning, or { engine: 'gpu' } to make this an error.",
  );
}

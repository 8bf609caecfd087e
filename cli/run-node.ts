// Runs the training job in Node on the `webgpu` package (Dawn). The job runs in a child process
// because Dawn's Vulkan loader reads its environment (VK_ICD_FILENAMES, LD_LIBRARY_PATH) when the
// process starts: the child gets SwiftShader's ICD where no other Vulkan driver is configured.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobEvent, JobResult, JobSpec } from './job.ts';

/** Chromium ships SwiftShader's Vulkan ICD and a Vulkan loader; Dawn can use both. */
const CHROMIUM_LIB = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;
const SYSTEM_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64'];

/** The worker's environment: SwiftShader's ICD unless one is set, and Chromium's loader when the system has none. */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  if ((out.VK_ICD_FILENAMES ?? '') === '' && existsSync(SWIFTSHADER_ICD)) {
    out.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const systemLoader = SYSTEM_LIB_DIRS.some((d) => existsSync(`${d}/libvulkan.so.1`));
    if (!systemLoader && existsSync(`${CHROMIUM_LIB}/libvulkan.so.1`)) {
      out.LD_LIBRARY_PATH = [out.LD_LIBRARY_PATH, CHROMIUM_LIB].filter((p) => p !== undefined && p !== '').join(':');
    }
  }
  return out;
}

/** Runs the job in a Node worker that may read `dataFiles` (name → path) and nothing else. */
export async function runInNode(spec: JobSpec, dataFiles: Record<string, string>, onEvent: (e: JobEvent) => void): Promise<JobResult> {
  const worker = fileURLToPath(new URL('./node-worker.ts', import.meta.url));
  const child = fork(worker, [], { execArgv: ['--import', 'tsx'], env: workerEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<JobResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (event: JobEvent) => {
      if (event.type === 'done') {
        settled = true;
        resolve(event.result);
      } else if (event.type === 'error') {
        settled = true;
        reject(Object.assign(new Error(event.error.message), event.error));
      } else onEvent(event);
    });
    child.on('error', (e) => {
      settled = true;
      reject(e);
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`the Node worker exited (${signal ?? `code ${code}`}) before finishing`));
    });
    child.send({ spec, dataFiles });
  });
}

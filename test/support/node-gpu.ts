// Runs Node scripts on Dawn, the WebGPU implementation of the `webgpu` npm package. Dawn loads its
// Vulkan driver through the dynamic loader, which reads LD_LIBRARY_PATH only when a process starts,
// so GPU work in Node runs in a child process whose environment points at a driver. Where no driver
// was chosen (VK_ICD_FILENAMES unset) and Chromium is installed, that is Chromium's SwiftShader, a
// CPU Vulkan, with the Vulkan loader Chromium ships beside it (Debian's libvulkan1 may be missing).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The environment for a Dawn child process: `base`, plus SwiftShader when it is there and no driver is set. */
export function dawnEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const chosen = base.VK_ICD_FILENAMES !== undefined && base.VK_ICD_FILENAMES !== '';
  if (chosen || !existsSync(SWIFTSHADER_ICD)) return { ...base };
  const dir = dirname(SWIFTSHADER_ICD);
  const ld = base.LD_LIBRARY_PATH !== undefined && base.LD_LIBRARY_PATH !== '' ? `${base.LD_LIBRARY_PATH}:${dir}` : dir;
  return { ...base, VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: ld };
}

/** Where `webgpu` resolves from `fromDir`, or null when it is not installed there. */
export function resolveWebgpu(fromDir: string): string | null {
  try {
    return createRequire(`${fromDir}/`).resolve('webgpu');
  } catch {
    return null;
  }
}

export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NodeRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Kills a hung child after this long; a guard against hangs, not a speed requirement. */
  killAfterMs?: number;
}

/** Runs `node ...args` and collects its output; never rejects for a non-zero exit. */
export function runNode(args: readonly string[], options: NodeRunOptions): Promise<NodeRun> {
  return runProgram(process.execPath, args, options);
}

/** Runs a program (no shell) and collects its output; never rejects for a non-zero exit. */
export function runProgram(file: string, args: readonly string[], options: NodeRunOptions): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 180_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** What a failed child run said, for assertion messages. */
export function describeRun(what: string, run: NodeRun): string {
  const status = run.signal !== null ? `was killed by ${run.signal}` : `exited with ${String(run.code)}`;
  return `${what} ${status}\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`;
}

/** The last line of stdout that parses as a JSON object (scripts print their results as one). */
export function lastJsonLine<T>(stdout: string): T {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (t.startsWith('{')) return JSON.parse(t) as T;
  }
  throw new Error(`no JSON result line in the output:\n${stdout.slice(-4000)}`);
}

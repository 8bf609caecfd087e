// The runtime side of test/runtimes.test.ts outside a browser: reads a RuntimeJob (JSON) on stdin,
// runs it with the built library (dist/index.js) and prints one JSON line (a RuntimeOutput).
//
//   Node (Dawn): node --import tsx test/runtimes/main.ts      the GPU object from the `webgpu` package
//   Deno (wgpu): deno run --allow-read test/runtimes/main.ts  navigator.gpu
//
// Both need a Vulkan driver; on a machine without a GPU the test points them at SwiftShader's.
import * as lib from '../../dist/index.js';
import { runJob, type RuntimeJob } from './fits.ts';

interface DenoGlobal {
  stdin: { readable: ReadableStream<Uint8Array> };
}

const deno = (globalThis as { Deno?: DenoGlobal }).Deno;

async function readStdin(): Promise<string> {
  if (deno !== undefined) return new Response(deno.stdin.readable).text();
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

/** Node has no navigator.gpu: Dawn's GPU object comes from the `webgpu` package (a devDependency). */
async function nodeGpu(): Promise<GPU | undefined> {
  if (deno !== undefined) return undefined;
  const { create } = await import('webgpu');
  return create([]);
}

const job = JSON.parse(await readStdin()) as RuntimeJob;
console.log(JSON.stringify(await runJob(lib, job, await nodeGpu())));

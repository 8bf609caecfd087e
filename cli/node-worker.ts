// The child process of `--runtime node`: loads the built library (dist/index.js, its shaders
// inlined) and the webgpu package, runs the job, and reports events to the parent over IPC.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { errorEvent, runJob, type JobEvent, type JobSpec, type Library } from './job.ts';

interface Start {
  spec: JobSpec;
  /** The files the job may read: name → path. */
  dataFiles: Record<string, string>;
}

function send(event: JobEvent): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) throw new Error('node-worker.ts runs as a child of cli/train.ts (it needs an IPC channel)');
    process.send(event, undefined, {}, () => resolve());
  });
}

async function main(start: Start): Promise<void> {
  const bundle = new URL('../dist/index.js', import.meta.url);
  if (!existsSync(bundle)) throw new Error('dist/index.js is missing: run npm run build (npm run train builds it)');
  const lib = (await import(bundle.href)) as Library;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const read = async (file: string): Promise<Uint8Array> => {
    const path = Object.hasOwn(start.dataFiles, file) ? start.dataFiles[file] : undefined;
    if (path === undefined) throw new lib.ValueError(`${file} is not one of the dataset's files`);
    return new Uint8Array(await readFile(path));
  };
  const result = await runJob(start.spec, { lib, read, gpu: create([]), emit: (e) => void send(e) });
  await send({ type: 'done', result });
}

process.once('message', (start: Start) => {
  main(start)
    .catch((e: unknown) => send(errorEvent(e)))
    // Dawn keeps handles that would hold the process open; everything has been reported by now.
    .finally(() => process.exit(0));
});

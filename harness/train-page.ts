// The page side of `npm run train --runtime chrome`: fetches the dataset files from the static
// server (large data never crosses page.evaluate), runs the training job on navigator.gpu and
// reports each event through the function the CLI exposes as trainEvent.
import * as lib from '../src/index.ts';
import { DATA_PATH, errorEvent, runJob, type JobEvent, type JobSpec } from '../cli/job.ts';

declare global {
  var trainEvent: ((event: JobEvent) => Promise<void>) | undefined;
  var startTraining: ((spec: JobSpec) => void) | undefined;
}

async function read(file: string): Promise<Uint8Array> {
  const response = await fetch(`${DATA_PATH}/${encodeURIComponent(file)}`);
  if (!response.ok) throw new lib.ValueError(`reading ${file}: HTTP ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

function emit(event: JobEvent): void {
  const send = globalThis.trainEvent;
  if (send === undefined) throw new Error('trainEvent is not exposed to the page');
  void send(event);
}

/** Starts the job and returns at once: the result arrives as a 'done' event, so no call outlives a protocol timeout. */
globalThis.startTraining = (spec: JobSpec): void => {
  runJob(spec, { lib, read, emit }).then(
    (result) => emit({ type: 'done', result }),
    (e: unknown) => emit(errorEvent(e)),
  );
};

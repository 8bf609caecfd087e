// `npm run train`: trains a model on a dataset on the GPU (headless Chrome by default, or Node with
// the webgpu package), showing progress per epoch, then the epoch table, test accuracy, confusion
// matrix and adapter; `--json` adds a one-line summary at the end. Run with --help for the options.
// The command itself is cli/main.ts's main(); this file connects it to the process.
import { main } from './main.ts';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, tty: process.stdout.isTTY === true }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);

// The train command in the test process: cli/main.ts's main() with its output collected, its Chrome
// runs in a browser context of the test process's shared Chromium (test/support/chrome.ts) instead
// of a browser launched per run (seconds each on a 2-core machine). Its page, server and data are
// the command's own, as when it launches a browser; train-command.test.ts still runs the command as
// a process of its own, which launches one.
import { main, type CommandIO } from '../../cli/main.ts';
import { openBrowserContext } from './chrome.ts';
import type { NodeRun } from './node-gpu.ts';

export interface InProcess {
  /** Called with what the command writes to stdout, as it writes it. */
  onStdout?: (s: string) => void;
  onServe?: CommandIO['onServe'];
}

/** Whether `args` run the command in Node (--runtime node), where it needs no browser. */
export function runsInNode(args: readonly string[]): boolean {
  return args.some((a, i) => a === '--runtime=node' || (a === '--runtime' && args[i + 1] === 'node'));
}

/** Runs main(args) and resolves with its exit code and output. */
export async function trainInProcess(args: string[], hooks: InProcess = {}): Promise<NodeRun> {
  let stdout = '';
  let stderr = '';
  const browser = runsInNode(args) ? null : await openBrowserContext();
  try {
    const code = await main(args, {
      stdout: { write: (s: string) => { stdout += s; hooks.onStdout?.(s); } },
      stderr: { write: (s: string) => (stderr += s) },
      ...(hooks.onServe === undefined ? {} : { onServe: hooks.onServe }),
      ...(browser === null ? {} : { context: browser.context }),
    });
    return { code, signal: null, stdout, stderr };
  } finally {
    await browser?.release();
  }
}

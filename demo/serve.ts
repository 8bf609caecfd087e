// Serves the browser demo on 127.0.0.1 (Chromium gives navigator.gpu only to secure-enough origins,
// and http://127.0.0.1 is one), plus Fashion-MNIST's four .gz files when they are installed, so the
// page can fetch them without the user downloading anything. Only the page's own files and those
// four are served, streamed, to requests whose Host is this server's loopback address
// (harness/static-files.ts, shared with the harness's server).
//
//   node --import tsx demo/serve.ts [--port N] [--fashion-mnist DIR] [--help]
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fileRequestHandler, listenLocal, resolveInside, type Answer } from '../harness/static-files.ts';
import { FASHION_MNIST_FILES } from '../src/data/fashion-mnist.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** What /datasets.json tells the page: URLs of the data sets this server can serve. */
export interface DatasetIndex {
  fashionMnist?: Record<keyof typeof FASHION_MNIST_FILES, string>;
}

export interface DemoServerOptions {
  /** 0 (default): a free port chosen by the OS. */
  port?: number;
  /** Folder holding Fashion-MNIST's four .gz files; absent or incomplete means the page will not offer it. */
  fashionMnistDir?: string;
  /** Folder holding the built bundle (demo.js); default build/demo. */
  bundleDir?: string;
}

export interface DemoServer {
  url: string;
  datasets: DatasetIndex;
  close(): Promise<void>;
}

/** The page's own files: the URL path → the file on disk (nothing else under the repository is served). */
function pageFiles(bundleDir: string): Map<string, string> {
  const demo = join(REPO, 'demo');
  return new Map([
    ['/', join(demo, 'index.html')],
    ['/index.html', join(demo, 'index.html')],
    ['/style.css', join(demo, 'style.css')],
    ['/demo.js', join(bundleDir, 'demo.js')],
    ['/demo.js.map', join(bundleDir, 'demo.js.map')],
  ]);
}

function findFashionMnist(dir: string): DatasetIndex {
  const all = Object.values(FASHION_MNIST_FILES).every((f) => existsSync(join(dir, f)));
  if (!all) return {};
  const urls = Object.fromEntries(Object.entries(FASHION_MNIST_FILES).map(([k, f]) => [k, `/data/fashion-mnist/${f}`]));
  return { fashionMnist: urls as Record<keyof typeof FASHION_MNIST_FILES, string> };
}

/** The file a request's decoded path (decodeUrlPath) maps to, or null (404). */
export function routeRequest(urlPath: string, files: Map<string, string>, datasets: DatasetIndex, fashionMnistDir: string): string | null {
  const path = urlPath.split('?')[0] ?? '/';
  const page = files.get(path);
  if (page !== undefined) return page;
  const prefix = '/data/fashion-mnist/';
  if (datasets.fashionMnist !== undefined && path.startsWith(prefix)) {
    const name = path.slice(prefix.length);
    if ((Object.values(FASHION_MNIST_FILES) as string[]).includes(name)) return resolveInside(resolve(fashionMnistDir), `/${name}`);
  }
  return null;
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  const bundleDir = resolve(options.bundleDir ?? join(REPO, 'build', 'demo'));
  if (!existsSync(join(bundleDir, 'demo.js'))) {
    throw new Error(`${join(bundleDir, 'demo.js')} is missing: run \`npm run build\` first (\`npm run demo\` builds it for you)`);
  }
  const fashionMnistDir = options.fashionMnistDir ?? DEFAULT_FASHION_MNIST_DIR;
  const datasets = findFashionMnist(fashionMnistDir);
  const files = pageFiles(bundleDir);
  const index = JSON.stringify(datasets);

  const route = (path: string): Answer => {
    if (path === '/datasets.json') return { body: index, type: 'application/json' };
    const file = routeRequest(path, files, datasets, fashionMnistDir);
    if (file === null) return { status: 404 };
    // The bundle changes on every build; the data sets never do, so let the browser keep them.
    return { file, cacheControl: extname(file) === '.gz' ? 'max-age=86400' : 'no-store' };
  };
  const server: Server = createServer(fileRequestHandler(route));
  const bound = await listenLocal(server, port);
  return {
    url: `http://127.0.0.1:${bound}/`,
    datasets,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export interface DemoArgs {
  port: number;
  fashionMnistDir: string;
  /** Print the usage and exit. */
  help: boolean;
}

export const DEMO_USAGE = `Usage: npm run demo -- [options]

Builds the demo and serves it on http://127.0.0.1:PORT/; open that URL in a browser with WebGPU
(Linux or headless Chromium: --enable-unsafe-webgpu). Ctrl+C stops the server.

  --port N             the port to listen on (default 0: a free one, printed)
  --fashion-mnist DIR  where Fashion-MNIST's four .gz files are (default ${DEFAULT_FASHION_MNIST_DIR},
                       Debian's dataset-fashion-mnist); without them the page does not offer it
  --help               this text`;

/** Parses `--port N` / `--port=N`, `--fashion-mnist DIR` and `--help` (node:util's parseArgs); anything else is an error naming it. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let values: { port?: string; 'fashion-mnist'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, 'fashion-mnist': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const named = /'(-[^' ]*)/.exec(message)?.[1] ?? /'([^']*)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new Error(`${named} needs a value`);
    throw new Error(`unknown argument ${named} (known: --port N, --fashion-mnist DIR, --help)`);
  }
  const out: DemoArgs = { port: 0, fashionMnistDir: DEFAULT_FASHION_MNIST_DIR, help: values.help ?? false };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got ${values.port}`);
    out.port = port;
  }
  if (values['fashion-mnist'] !== undefined) {
    if (values['fashion-mnist'] === '') throw new Error('--fashion-mnist needs a value');
    out.fashionMnistDir = values['fashion-mnist'];
  }
  return out;
}

async function main(): Promise<void> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(DEMO_USAGE);
    return;
  }
  const server = await startDemoServer({ port: args.port, fashionMnistDir: args.fashionMnistDir });
  const fm = server.datasets.fashionMnist !== undefined ? `Fashion-MNIST from ${args.fashionMnistDir}` : `no Fashion-MNIST (looked in ${args.fashionMnistDir})`;
  console.log(`webgpu-logreg demo: ${server.url}  (${fm}; Ctrl+C stops)`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`demo: ${(e as Error).message}`);
    process.exit(1);
  });
}

// A static file server on 127.0.0.1: Chromium exposes navigator.gpu only to pages from a
// secure-enough origin, and http://127.0.0.1 qualifies where about:blank and file:// do not.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.gz': 'application/gzip',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  url: string;
  close(): Promise<void>;
}

/** Resolves a URL path inside root, refusing anything that escapes it. */
export function resolveInside(root: string, urlPath: string): string | null {
  const decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  const file = normalize(join(root, decoded));
  return file === root || file.startsWith(root + sep) ? file : null;
}

export interface StaticServerOptions {
  /** Extra directories served under URL prefixes, e.g. { '/datasets/data': '/usr/share/datasets/fashion-mnist' }. */
  mounts?: Record<string, string>;
}

/** The file a URL path names: inside the mount whose prefix it starts with, else inside base. */
function resolveRequest(base: string, mounts: [string, string][], urlPath: string): string | null {
  for (const [prefix, dir] of mounts) {
    if (urlPath.startsWith(`${prefix}/`)) return resolveInside(dir, urlPath.slice(prefix.length));
  }
  return resolveInside(base, urlPath);
}

/** Serves files below `root` (and any mounts) on 127.0.0.1 at a free port chosen by the OS. */
export async function startStaticServer(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const mounts = Object.entries(options.mounts ?? {}).map(([prefix, dir]): [string, string] => [prefix.replace(/\/+$/, ''), resolve(dir)]);
  const server: Server = createServer(async (req, res) => {
    const file = resolveRequest(base, mounts, req.url ?? '/');
    if (file === null) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end(`not found: ${req.url}`);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('static server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

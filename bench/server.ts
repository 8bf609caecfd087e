// The benchmark's static server on 127.0.0.1: the repository (page bundle, TF.js's .wasm files in
// node_modules) plus the Fashion-MNIST directory mounted at /datasets/fashion-mnist when present.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { resolveInside } from '../harness/server.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.gz': 'application/gzip',
  '.wasm': 'application/wasm',
};

export interface Mount {
  /** URL prefix, e.g. '/datasets/fashion-mnist' (no trailing slash); '' for the root. */
  prefix: string;
  dir: string;
}

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/** The file a URL path maps to: the longest matching mount wins; null when it escapes its directory. */
export function mapPath(mounts: readonly Mount[], urlPath: string): string | null {
  const path = urlPath.split('?')[0] ?? '/';
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  for (const m of sorted) {
    if (m.prefix === '' || path === m.prefix || path.startsWith(`${m.prefix}/`)) {
      return resolveInside(resolve(m.dir), path.slice(m.prefix.length) || '/');
    }
  }
  return null;
}

export async function startBenchServer(mounts: readonly Mount[]): Promise<BenchServer> {
  const server: Server = createServer(async (req, res) => {
    const file = mapPath(mounts, req.url ?? '/');
    if (file === null) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
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
  if (address === null || typeof address === 'string') throw new Error('bench server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

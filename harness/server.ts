// A static file server on 127.0.0.1: Chromium exposes navigator.gpu only to pages from a
// secure-enough origin, and http://127.0.0.1 qualifies where about:blank and file:// do not.
// Paths, the Host check and the streaming are harness/static-files.ts's, shared with the demo.
import { createServer, type Server } from 'node:http';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileRequestHandler, listenLocal, resolveBelow, type Answer, type Router } from './static-files.ts';

export interface StaticServer {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Extra directories served under URL prefixes, e.g. { '/datasets/data': '/usr/share/datasets/fashion-mnist' }. */
  mounts?: Record<string, string>;
  /**
   * Exactly the files to serve: URL path → file (relative to root, or absolute). When given, nothing
   * else is served, neither root's other files nor any mount.
   */
  files?: Record<string, string>;
}

interface Tree {
  prefix: string;
  dir: string;
  realDir: string;
}

/** A served directory: its real path is where symlinks inside it may lead. */
function tree(prefix: string, dir: string): Tree {
  const abs = resolve(dir);
  let realDir = abs;
  try {
    realDir = realpathSync(abs);
  } catch {
    // a directory that is not there serves nothing: every request below it is a 404
  }
  return { prefix: prefix.replace(/\/+$/, ''), dir: abs, realDir };
}

/** The router of a server over trees: the mount whose prefix the path starts with, else the root. */
function treeRouter(root: string, mounts: Record<string, string> = {}): Router {
  const trees = Object.entries(mounts).map(([prefix, dir]) => tree(prefix, dir));
  const base = tree('', root);
  return (path: string): Promise<Answer> => {
    const t = trees.find((m) => path.startsWith(`${m.prefix}/`)) ?? base;
    return resolveBelow(t.dir, t.realDir, path.slice(t.prefix.length)).then((f) => (typeof f === 'string' ? { file: f } : f));
  };
}

/** The router of a server over a fixed list of files: anything else is 404. */
function listRouter(root: string, files: Record<string, string>): Router {
  const table = new Map(Object.entries(files).map(([url, file]) => [url, resolve(root, file)]));
  return (path: string): Answer => {
    const file = table.get(path);
    return file === undefined ? { status: 404 } : { file };
  };
}

/** Serves files below `root` (and any mounts), or only `files`, on 127.0.0.1 at a free port chosen by the OS. */
export async function startStaticServer(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const route = options.files !== undefined ? listRouter(root, options.files) : treeRouter(root, options.mounts);
  const server: Server = createServer(fileRequestHandler(route));
  const port = await listenLocal(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        // A paused or slow client must not hold the close open.
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

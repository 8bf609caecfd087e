// What both local servers (the harness's, for the tests, the train command and the benchmark; the
// demo's) share: turning a request URL into a path without ever throwing, keeping it inside what is
// served, checking the Host header, and streaming the file.
//
// Hand-rolled on node:http, node:fs and node:stream rather than a static-file package: the servers
// serve a handful of known files on 127.0.0.1 and must add no runtime or install-time dependency;
// what a package would add (ranges, ETags, directory listings) none of their pages needs.
import { constants, createReadStream } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

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

export function contentType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A refusal: 400 a malformed path, 403 one that would leave what is served, 404 nothing there. */
export interface Refusal {
  status: 400 | 403 | 404;
}

/**
 * The decoded path of a request's URL (origin-form, query and fragment dropped), or a refusal.
 * Malformed percent-escapes, NUL and backslashes are 400; a `..` segment, however it was encoded,
 * is 403. The result starts with '/' and holds no `..` segment.
 */
export function decodeUrlPath(url: string): string | Refusal {
  if (!url.startsWith('/')) return { status: 400 };
  const raw = url.replace(/[?#].*$/s, '');
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return { status: 400 };
  }
  if (path.includes('\0') || path.includes('\\')) return { status: 400 };
  if (path.split('/').includes('..')) return { status: 403 };
  return path;
}

/** Whether `path` (normalized, absolute) is root or below it. */
function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** `decoded` (from decodeUrlPath) as a file below root, or null when it would leave root. */
export function resolveInside(root: string, decoded: string): string | null {
  const file = normalize(join(root, decoded));
  return isInside(root, file) ? file : null;
}

/**
 * The file below `root` a decoded path names, following symlinks only while they stay below root's
 * own real path (`realRoot`): a link out of it is 403, a missing file 404.
 */
export async function resolveBelow(root: string, realRoot: string, decoded: string): Promise<string | Refusal> {
  const file = resolveInside(root, decoded);
  if (file === null) return { status: 403 };
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return { status: 404 };
  }
  return isInside(realRoot, real) ? real : { status: 403 };
}

/**
 * Opens a regular file for reading, or returns null (missing, unreadable, a directory, a FIFO or a
 * device). O_NONBLOCK keeps open() of a FIFO from waiting for a writer; it changes nothing for a
 * regular file. The type is checked on the open descriptor, so it is the file that will be read.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = await handle.stat();
    if (stat.isFile()) return { handle, size: stat.size };
  } catch {
    // fall through: an fstat that fails is a file not to serve
  }
  await handle.close();
  return null;
}

/** Host headers a local server accepts: its loopback names with its port (DNS rebinding gets 403). */
export function isLocalHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  return names.some((n) => host.toLowerCase() === `${n}:${port}` || (port === 80 && host.toLowerCase() === n));
}

/** What a server answers for a decoded path: a file to stream, a body in memory, or a refusal. */
export type Answer = { file: string; cacheControl?: string } | { body: string; type: string } | Refusal;

/** Maps a decoded path (from decodeUrlPath) to its answer. */
export type Router = (path: string) => Answer | Promise<Answer>;

function refuse(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${status}\n`);
}

/**
 * Streams the file: at most a read buffer's worth of it is in memory per request, however slowly
 * the client reads, and a client that goes away closes the file.
 */
async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string): Promise<void> {
  const opened = await openRegularFile(file);
  if (opened === null) return refuse(res, 404);
  const { handle, size } = opened;
  res.writeHead(200, { 'content-type': contentType(file), 'content-length': String(size), 'cache-control': cacheControl });
  if (req.method === 'HEAD' || size === 0) {
    await handle.close();
    res.end();
    return;
  }
  // end: the size read by fstat, so a file that grows meanwhile cannot overrun content-length.
  const stream = createReadStream('', { fd: handle, start: 0, end: size - 1 });
  try {
    await pipeline(stream, res);
  } catch {
    // The client went away, or the file could not be read after the headers were sent: pipeline has
    // destroyed both streams (closing the file) and there is nobody left to answer.
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, route: Router): Promise<void> {
  if (!isLocalHost(req.headers.host, req.socket.localPort ?? -1)) return refuse(res, 403);
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, { allow: 'GET, HEAD' });
  const path = decodeUrlPath(req.url ?? '');
  if (typeof path !== 'string') return refuse(res, path.status);
  const a = await route(path);
  if ('status' in a) return refuse(res, a.status);
  if ('body' in a) {
    const body = Buffer.from(a.body);
    res.writeHead(200, { 'content-type': a.type, 'content-length': String(body.length), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  return sendFile(req, res, a.file, a.cacheControl ?? 'no-store');
}

/**
 * A request listener that checks the Host and the method, decodes the path, asks `route` and
 * answers. It never rejects: whatever goes wrong becomes a status for this request alone, and the
 * server goes on.
 */
export function fileRequestHandler(route: Router): RequestListener {
  return (req, res) => {
    answer(req, res, route).catch(() => {
      if (!res.headersSent) refuse(res, 500);
      else res.destroy();
    });
  };
}

/** Listens on 127.0.0.1 (port 0: one the OS picks) and returns the port. */
export async function listenLocal(server: Server, port: number): Promise<number> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return address.port;
}

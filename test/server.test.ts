// The two local servers (harness/server.ts, demo/serve.ts) as a client on the machine sees them:
// hostile request targets get 400/403/404 and the server keeps serving, a foreign Host header is
// refused, only GET and HEAD are answered, symlinks and FIFOs are not followed out, and files are
// streamed rather than read whole per request.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startDemoServer } from '../demo/serve.ts';
import { startStaticServer, type StaticServer } from '../harness/server.ts';
import { FASHION_MNIST_FILES } from '../src/data/fashion-mnist.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';

const test = suite('servers');
const seed = testSeed('servers');
const work = mkdtempSync(join(tmpdir(), 'servers-'));
const root = join(work, 'www');
mkdirSync(join(root, 'sub'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<p>hi</p>');
writeFileSync(join(root, 'sub', 'a b.csv'), 'x,y\n1,0\n');
writeFileSync(join(work, 'secret.txt'), 'secret');
symlinkSync(join(work, 'secret.txt'), join(root, 'link-out.txt'));
symlinkSync(join(root, 'index.html'), join(root, 'link-in.html'));
execFileSync('mkfifo', [join(root, 'fifo')]);

let servers: { name: string; server: StaticServer; ok: string }[] = [];
test.before(async () => {
  const harness = await startStaticServer(root);
  const demo = await startDemoServer({ fashionMnistDir: join(work, 'none') });
  servers = [
    { name: 'harness', server: harness, ok: '/index.html' },
    { name: 'demo', server: { url: demo.url.replace(/\/$/, ''), close: demo.close }, ok: '/index.html' },
  ];
});
test.after(async () => {
  await Promise.all(servers.map((s) => s.server.close()));
  rmSync(work, { recursive: true, force: true });
});

const portOf = (s: StaticServer): number => Number(new URL(s.url).port);

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (the request line and headers, CRLF-separated) as raw bytes: no client rewrites the target first. */
function raw(port: number, head: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(`${head}\r\nconnection: close\r\n\r\n`, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c)).on('error', reject).on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [top = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = top.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

const get = (port: number, target: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<Reply> =>
  raw(port, `${method} ${target} HTTP/1.1\r\nhost: ${host}`);

test('malformed and escaping request targets get 400/403/404, and the server goes on serving', async () => {
  const targets: [string, number[]][] = [
    ['/%', [400]],
    ['/%E0%A4%A', [400]],
    ['/%zz', [400]],
    ['/index.html%00.png', [400]],
    ['/sub%5c..%5c..%5csecret.txt', [400]],
    ['/sub\\..\\index.html', [400]],
    ['/../secret.txt', [403]],
    ['/%2e%2e/secret.txt', [403]],
    ['/sub/%2E%2E/%2e%2E/secret.txt', [403]],
    ['/%252e%252e/secret.txt', [404]],
    ['//etc/passwd', [404]],
    ['http://127.0.0.1/etc/passwd', [400]],
    ['*', [400]],
  ];
  for (const { name, server, ok } of servers) {
    const port = portOf(server);
    for (const [target, statuses] of targets) {
      const reply = await get(port, target);
      assert.ok(statuses.includes(reply.status), `${name}: GET ${target} answered ${reply.status}, expected ${statuses.join(' or ')}`);
      assert.not.match(reply.body, /secret|root:/, `${name}: GET ${target} leaked a file`);
    }
    assert.is((await get(port, ok)).status, 200, `${name} still serves after the hostile requests`);
  }
});

test('a request whose Host is not this server\'s loopback address is refused (DNS rebinding)', async () => {
  for (const { name, server, ok } of servers) {
    const port = portOf(server);
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost`, `127.0.0.1.evil.example:${port}`]) {
      assert.is((await get(port, ok, host)).status, 403, `${name}: Host ${host}`);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      assert.is((await get(port, ok, host)).status, 200, `${name}: Host ${host}`);
    }
    assert.is((await raw(port, `GET ${ok} HTTP/1.0`)).status, 403, `${name}: no Host header at all`);
  }
});

test('only GET and HEAD are answered; HEAD gives the headers and no body', async () => {
  for (const { name, server, ok } of servers) {
    const port = portOf(server);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const reply = await get(port, ok, undefined, method);
      assert.is(reply.status, 405, `${name}: ${method}`);
      assert.is(reply.headers.allow, 'GET, HEAD');
    }
    const full = await get(port, ok);
    const head = await get(port, ok, undefined, 'HEAD');
    assert.is(head.status, 200);
    assert.is(head.body, '');
    assert.is(head.headers['content-length'], String(Buffer.byteLength(full.body, 'latin1')));
    assert.is(head.headers['content-type'], 'text/html; charset=utf-8');
  }
});

test('the harness server: symlinks may not lead out of the root, a FIFO is not opened, files keep their type', async () => {
  const port = portOf(servers[0]!.server);
  assert.is((await get(port, '/link-out.txt')).status, 403);
  assert.equal([(await get(port, '/link-in.html')).status, (await get(port, '/link-in.html')).body], [200, '<p>hi</p>']);
  assert.is((await get(port, '/fifo')).status, 404, 'a FIFO is not a file to serve (and no request waits on it)');
  assert.is((await get(port, '/sub')).status, 404, 'a directory');
  const csv = await get(port, '/sub/a%20b.csv');
  assert.equal([csv.status, csv.body, csv.headers['content-type']], [200, 'x,y\n1,0\n', 'text/csv; charset=utf-8']);
});

test('the harness server serves a mounted directory under its prefix and nothing outside it', async () => {
  const server = await startStaticServer(root, { mounts: { '/datasets/data/': join(root, 'sub') } });
  try {
    const port = portOf(server);
    assert.equal([(await get(port, '/datasets/data/a%20b.csv')).status, (await get(port, '/datasets/data/a%20b.csv')).body], [200, 'x,y\n1,0\n']);
    assert.is((await get(port, '/datasets/data/%2e%2e/index.html')).status, 403);
    assert.is((await get(port, '/datasets/data/missing.csv')).status, 404);
    assert.is((await get(port, '/index.html')).status, 200, 'root is still served beside the mount');
  } finally {
    await server.close();
  }
});

test('the harness server with `files` serves those paths and nothing else, not even the rest of root', async () => {
  const server = await startStaticServer(root, { files: { '/page.html': 'index.html', '/data/x.csv': join(root, 'sub', 'a b.csv') } });
  try {
    const port = portOf(server);
    assert.equal([(await get(port, '/page.html')).status, (await get(port, '/data/x.csv')).body], [200, 'x,y\n1,0\n']);
    for (const p of ['/index.html', '/sub/a%20b.csv', '/data/', '/data/x.csv/..', '/']) assert.ok([403, 404].includes((await get(port, p)).status), p);
  } finally {
    await server.close();
  }
});

/**
 * A GET that pauses after its first chunk (`paused` gives the response to resume), then reads on and
 * resolves `tail` with the last `keep` bytes once all `size` have come.
 */
function pausedClient(port: number, path: string, size: number, keep: number): { paused: Promise<IncomingMessage>; tail: Promise<Buffer> } {
  let onPaused: (res: IncomingMessage) => void = () => undefined;
  const paused = new Promise<IncomingMessage>((ok) => (onPaused = ok));
  const tail = new Promise<Buffer>((ok, fail) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let received = 0;
      let last = Buffer.alloc(0);
      res.on('data', (c: Buffer) => {
        if (received === 0) {
          res.pause();
          onPaused(res);
        }
        received += c.length;
        last = Buffer.concat([last, c]).subarray(-keep);
      });
      res.on('end', () => (received === size ? ok(last) : fail(new Error(`received ${received} of ${size} bytes`))));
      res.on('error', fail);
    }).on('error', fail).end();
  });
  return { paused, tail };
}

/**
 * Streaming, checked without timing: clients pause after the first bytes of a file larger than any
 * socket buffers can hold; its last MiB is then rewritten in place. A server that streams reads that
 * part only when the clients read on, and sends the new bytes; one that read the file whole for each
 * request sends the old ones.
 */
/** Starts `clients` paused GETs of `path`, rewrites the file's last MiB, resumes them, and checks they got the new bytes. */
async function checkStreams(port: number, path: string, file: string, size: number, clients: number): Promise<void> {
  const MiB = 1 << 20;
  const started = Array.from({ length: clients }, () => pausedClient(port, path, size, MiB));
  const responses = await Promise.all(started.map((c) => c.paused));
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(MiB, 0x7a), 0, MiB, size - MiB);
  closeSync(fd);
  for (const res of responses) res.resume();
  const tails = await Promise.all(started.map((c) => c.tail));
  tails.forEach((t, i) => assert.ok(t.equals(Buffer.alloc(MiB, 0x7a)), `${path}, client ${i}: the file's last MiB is as it was rewritten after the request began`));
}

test('files are streamed: clients that read slowly get bytes the server has not read yet (both servers)', async () => {
  const rng = mulberry32(seed);
  const size = randomInt(rng, 40, 48) << 20;
  const file = join(root, 'big.bin');
  writeFileSync(file, Buffer.alloc(size, 0x61));
  const server = await startStaticServer(root);
  try {
    await checkStreams(portOf(server), '/big.bin', file, size, 12);
  } finally {
    await server.close();
  }
  // The demo streams Fashion-MNIST's files the same way: here a stand-in for the largest of them.
  const fashion = join(work, 'fashion');
  mkdirSync(fashion);
  for (const name of Object.values(FASHION_MNIST_FILES)) writeFileSync(join(fashion, name), Buffer.alloc(size, 0x61));
  const demo = await startDemoServer({ fashionMnistDir: fashion });
  try {
    await checkStreams(Number(new URL(demo.url).port), `/data/fashion-mnist/${FASHION_MNIST_FILES.trainImages}`, join(fashion, FASHION_MNIST_FILES.trainImages), size, 4);
  } finally {
    await demo.close();
    rmSync(fashion, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
});

test.run();

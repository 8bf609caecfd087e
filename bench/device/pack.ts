// `npm run device:pack`: builds bench/device/pack/, everything the device benchmark needs on a
// bare Linux machine with a GPU and no Node and no network, compressed to travel as one carried
// folder (the limit is 64 MiB with the working tree; the pack must stay under 60 MiB):
//
//   node.xz              this machine's Node binary, stripped (symbols are no use there)
//   dawn.node.xz         the `webgpu` package's Dawn addon, stripped of its symbol table
//   runner.mjs.xz        one esbuild bundle: bench/device/runner.ts + the library from src + TF.js
//                        (core, webgpu backend) + the `webgpu` package's JS glue; no node_modules
//   libstdc++.so.6.xz,   this machine's C++ runtime, used there only if dawn.node cannot load
//   libgcc_s.so.1.xz     against the machine's own
//   libvulkan1_*.deb     Debian's Vulkan loader, unpacked there with dpkg -x into /tmp
//   SHA256SUMS           of the unpacked files, checked by run.sh
//   manifest.json        sizes, sources and versions
//
// xz, not zstd: bare Debian/Ubuntu images may lack zstd, and where even xz is missing run.sh
// decompresses with Python's lzma module. The level is -1: on this machine -9e takes ~60 s of CPU
// for the Node binary (21.9 MB) and -1 takes ~10 s (25.5 MB), well inside the limit either way;
// compressed binaries are also cached in build/device-pack-cache/ by the source's hash.
import { build, type Plugin } from 'esbuild';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { reflectedShaders } from '../../scripts/build-options.mjs';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const PACK_DIR = join(ROOT, 'bench/device/pack');
export const CACHE_DIR = join(ROOT, 'build/device-pack-cache');
export const PACK_LIMIT_BYTES = 60 * 2 ** 20;
export const DAWN_NODE_ENV = 'WEBGPU_LOGREG_DAWN_NODE';
const XZ_LEVEL = '-1';
const DAWN_NODE = join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node');

export interface PackEntry {
  /** File in the pack. */
  name: string;
  bytes: number;
  /** What run.sh unpacks it to, and that file's size and SHA-256. */
  unpacked: string;
  unpackedBytes: number;
  sha256: string;
  source: string;
}

export interface PackManifest {
  built: string;
  node: string;
  webgpu: string;
  entries: PackEntry[];
  /** Every file in the pack, manifest and sums included. */
  totalBytes: number;
  limitBytes: number;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function hasTool(name: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * `source` stripped (when asked and `strip` exists) and xz-compressed, from the cache when
 * this exact source was compressed before. Returns the cached .xz and the unpacked file's hash/size.
 */
async function compressCached(source: string, unpacked: string, strip: string[] | null, cache = true): Promise<{ xz: string; sha256: string; bytes: number }> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const stripping = strip !== null && (await hasTool('strip'));
  // Uncached files (the bundle, rebuilt every time) get one fixed name, so they do not pile up.
  const key = cache ? `-${sha256(source).slice(0, 16)}-${stripping ? 'stripped' : 'as-is'}-xz${XZ_LEVEL}` : '-latest';
  const xz = join(CACHE_DIR, `${unpacked}${key}.xz`);
  const info = `${xz}.json`;
  if (cache && existsSync(xz) && existsSync(info)) {
    log(`pack: ${unpacked}: cached ${basename(xz)}`);
    return { xz, ...(JSON.parse(readFileSync(info, 'utf8')) as { sha256: string; bytes: number }) };
  }
  const t0 = performance.now();
  const plain = join(CACHE_DIR, `${unpacked}${key}.tmp`);
  if (stripping) await run('strip', [...strip, '-o', plain, source]);
  else copyFileSync(source, plain);
  const meta = { sha256: sha256(plain), bytes: statSync(plain).size };
  await run('sh', ['-c', 'xz "$3" -T1 -c "$1" > "$2.part" && mv "$2.part" "$2"', 'sh', plain, xz, XZ_LEVEL]);
  rmSync(plain);
  writeFileSync(info, JSON.stringify(meta));
  log(`pack: ${unpacked}: ${stripping ? 'stripped, ' : ''}xz ${XZ_LEVEL} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { xz, ...meta };
}

/** The `webgpu` package finds dawn.node beside its own file; in the bundle it must come from the unpacked path. */
const dawnPathPlugin: Plugin = {
  name: 'dawn-node-path',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]webgpu[\\/]index\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const from = "const dawnNodePath = join(__dirname, 'dist', `${process.platform}-${arch}`, 'dawn.node');";
      if (!src.includes(from)) throw new Error(`${args.path} no longer sets dawnNodePath the way pack.ts expects: update dawnPathPlugin`);
      const to = `const dawnNodePath = process.env.${DAWN_NODE_ENV} ?? join(__dirname, 'dist', \`\${process.platform}-\${arch}\`, 'dawn.node');`;
      return { contents: src.replace(from, to), loader: 'js' };
    });
  },
};

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** bench/device/runner.ts as one ESM file that needs nothing but Node and dawn.node. */
export async function bundleRunner(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'bench/device/runner.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    loader: { '.wgsl': 'text' },
    // As build.mjs: wgsl_reflect's "main" is CommonJS in an ESM package; "module" is the right one.
    mainFields: ['module', 'main'],
    // CommonJS code inside the bundle (TF.js's Node platform, the webgpu glue) calls require().
    banner: { js: "import { createRequire as __deviceBenchRequire } from 'node:module';\nconst require = __deviceBenchRequire(import.meta.url);" },
    define: {
      __DEVICE_BENCH_BUILD__: JSON.stringify({ webgpu: packageVersion('webgpu'), node: process.version, built: new Date().toISOString() }),
    },
    // The library's kernels take their layouts from the build's reflection of the shaders.
    plugins: [dawnPathPlugin, reflectedShaders],
    logLevel: 'warning',
  });
}

/** Debian's libvulkan1 .deb: from the cache, else `apt-get download` into it. */
async function vulkanDeb(): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const cached = (): string | undefined => readdirSync(CACHE_DIR).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f));
  let name = cached();
  if (name === undefined) {
    log('pack: apt-get download libvulkan1');
    await run('apt-get', ['download', 'libvulkan1'], { cwd: CACHE_DIR });
    name = cached();
    if (name === undefined) throw new Error(`apt-get download libvulkan1 left no libvulkan1_*_amd64.deb in ${CACHE_DIR}`);
  }
  return join(CACHE_DIR, name);
}

/** The C++ runtime dawn.node links here (from ldd), to carry as a fallback. */
async function cxxRuntime(): Promise<string[]> {
  const { stdout } = await run('ldd', [DAWN_NODE]);
  const wanted = ['libstdc++.so.6', 'libgcc_s.so.1'];
  return wanted.map((lib) => {
    const m = new RegExp(`${lib.replace(/[.+]/g, '\\$&')} => (\\S+)`).exec(stdout);
    if (m?.[1] === undefined) throw new Error(`ldd ${DAWN_NODE} does not list ${lib}`);
    return realpathSync(m[1]);
  });
}

function packEntry(name: string, unpacked: string, c: { sha256: string; bytes: number }, source: string): PackEntry {
  return { name, bytes: statSync(join(PACK_DIR, name)).size, unpacked, unpackedBytes: c.bytes, sha256: c.sha256, source };
}

export async function buildPack(): Promise<PackManifest> {
  if (!existsSync(DAWN_NODE)) throw new Error(`${DAWN_NODE} is missing: the webgpu devDependency is not installed`);
  rmSync(PACK_DIR, { recursive: true, force: true });
  mkdirSync(PACK_DIR, { recursive: true });
  const runnerFile = join(CACHE_DIR, 'runner.mjs');
  mkdirSync(CACHE_DIR, { recursive: true });
  await bundleRunner(runnerFile);
  const [stdcxx, gcc] = await cxxRuntime();
  // The two big compressions run side by side (xz -T1 each: one per core).
  const [node, dawn, runner, cxx, gccs, deb] = await Promise.all([
    compressCached(process.execPath, 'node', ['--strip-all']),
    compressCached(DAWN_NODE, 'dawn.node', ['--strip-unneeded']),
    compressCached(runnerFile, 'runner.mjs', null, false),
    compressCached(stdcxx as string, 'libstdc++.so.6', null),
    compressCached(gcc as string, 'libgcc_s.so.1', null),
    vulkanDeb(),
  ]);
  const entries: PackEntry[] = [];
  // Unpacked paths are relative to run.sh's work folder; the C++ runtime goes to compat/, off the library path until needed.
  for (const [c, unpacked, source] of [
    [node, 'node', `${process.execPath} (Node ${process.version})`],
    [dawn, 'dawn.node', `${DAWN_NODE} (webgpu ${packageVersion('webgpu')})`],
    [runner, 'runner.mjs', 'esbuild bundle of bench/device/runner.ts'],
    [cxx, 'compat/libstdc++.so.6', stdcxx as string],
    [gccs, 'compat/libgcc_s.so.1', gcc as string],
  ] as const) {
    const name = `${basename(unpacked)}.xz`;
    copyFileSync(c.xz, join(PACK_DIR, name));
    entries.push(packEntry(name, unpacked, c, source));
  }
  const debName = basename(deb);
  copyFileSync(deb, join(PACK_DIR, debName));
  const debInfo = { sha256: sha256(deb), bytes: statSync(deb).size };
  entries.push(packEntry(debName, debName, debInfo, 'apt-get download libvulkan1'));
  writeFileSync(join(PACK_DIR, 'SHA256SUMS'), entries.map((e) => `${e.sha256}  ${e.unpacked}\n`).join(''));
  const manifest: PackManifest = {
    built: new Date().toISOString(), node: process.version, webgpu: packageVersion('webgpu'), entries, totalBytes: 0, limitBytes: PACK_LIMIT_BYTES,
  };
  const total = (): number => readdirSync(PACK_DIR).reduce((s, f) => s + statSync(join(PACK_DIR, f)).size, 0);
  writeFileSync(join(PACK_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The manifest's own size counts too: write it once to measure, then with the total.
  manifest.totalBytes = total();
  writeFileSync(join(PACK_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  manifest.totalBytes = total();
  writeFileSync(join(PACK_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (manifest.totalBytes >= PACK_LIMIT_BYTES) {
    throw new Error(`the pack is ${(manifest.totalBytes / 2 ** 20).toFixed(1)} MiB, over the ${PACK_LIMIT_BYTES / 2 ** 20} MiB limit`);
  }
  return manifest;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

export function describePack(m: PackManifest): string {
  const lines = m.entries.map((e) => `  ${e.name.padEnd(34)} ${mib(e.bytes).padStart(10)}   (unpacked ${mib(e.unpackedBytes)})`);
  return [`${PACK_DIR}:`, ...lines, `  total ${mib(m.totalBytes)} of the ${mib(m.limitBytes)} limit`].join('\n');
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(new URL(import.meta.url).pathname)) {
  buildPack().then(
    (m) => {
      process.stdout.write(`${describePack(m)}\n`);
      process.stdout.write('carry bench/device/pack and run: bash bench/device/run.sh [--quick]\n');
    },
    (e: unknown) => {
      log(`device:pack failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}

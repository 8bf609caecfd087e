// The device benchmark (bench/device/): the exchange format both sides read, the report's verdicts,
// the pack (size and contents), and `run.sh --local --quick` end to end from the pack on this
// machine's SwiftShader: Node unpacked from the pack starts, dawn.node loads through the pack's
// Vulkan loader, the library trains on both engines and forms, and the JSON line says so. No
// timings are asserted (SwiftShader on a shared machine); the losses are.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { epochOrder } from '../src/core/order.ts';
import { libraryOrders, makeExchange, readExchange, runConfig, writeExchange } from '../bench/device/exchange.ts';
import { buildPack, describePack, PACK_DIR, PACK_LIMIT_BYTES } from '../bench/device/pack.ts';
import { LOSS_AGREEMENT, summarize, type DeviceSummary } from '../bench/device/report.ts';
import type { DeviceRow, PartFile, RunConfig } from '../bench/device/types.ts';
import { describeRun, lastJsonLine, runProgram } from './support/node-gpu.ts';
import { mulberry32, randomInt, testSeed } from './support/random.ts';
import { clockTests } from './support/test-clock.ts';

const test = suite('device benchmark');
clockTests(test, 'device benchmark');
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

function hasPython(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

test('exchange: each epoch order is the library\'s epochOrder, and the Python reader sees the same bytes', () => {
  const rng = mulberry32(testSeed('device exchange'));
  const config: RunConfig = {
    ...runConfig(true, true), n: randomInt(rng, 20, 90), d: randomInt(rng, 2, 9), k: randomInt(rng, 2, 5),
    timedEpochs: randomInt(rng, 1, 3), shuffleSeed: randomInt(rng, 0, 1e6),
  };
  const dir = mkdtempSync(join(tmpdir(), 'device-exchange-'));
  try {
    const ex = makeExchange(config);
    writeExchange(dir, ex);
    const back = readExchange(dir);
    assert.equal(back.config, config);
    assert.equal(Array.from(back.data.bytes), Array.from(ex.data.bytes));
    assert.equal(Array.from(back.data.X), Array.from(ex.data.X));
    assert.equal(Array.from(back.data.labels), Array.from(ex.data.labels));
    assert.is(back.orders.length, config.warmupEpochs + config.timedEpochs);
    back.orders.forEach((o, e) => {
      assert.equal(Array.from(o), Array.from(epochOrder(config.n, e, true, config.shuffleSeed)), `epoch ${e}`);
      assert.equal([...o].sort((a, b) => a - b), Array.from({ length: config.n }, (_, i) => i), `epoch ${e} is a permutation`);
    });
    // Consecutive epochs are shuffled differently (else the orders would prove little).
    assert.not.equal(Array.from(libraryOrders(config)[0] as Uint32Array), Array.from(libraryOrders(config)[1] as Uint32Array));
    if (!hasPython()) {
      console.log('  [device bench] python3 not found: the Python reader is not checked here');
      return;
    }
    const py = spawnSync('python3', ['-c', [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(ROOT, 'bench/device'))})`,
      'import torch_reference as t',
      'meta, x, y, orders = t.read_exchange(sys.argv[1])',
      'print(json.dumps({"n": meta["n"], "x": list(x), "y": list(y), "orders": [list(o) for o in orders]}))',
    ].join('\n'), dir], { encoding: 'utf8' });
    assert.is(py.status, 0, py.stderr);
    const got = JSON.parse(py.stdout) as { n: number; x: number[]; y: number[]; orders: number[][] };
    assert.is(got.n, config.n);
    assert.equal(got.x, Array.from(ex.data.bytes));
    assert.equal(got.y, Array.from(ex.data.labels));
    assert.equal(got.orders, ex.orders.map((o) => Array.from(o)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function row(impl: string, engine: string | null, x: 'f32' | 'bytes', ms: number, loss: number): DeviceRow {
  const r: DeviceRow = { impl, engine, x, epochsMs: [3 * ms, ms], msPerEpoch: ms, timing: 'test', finalLoss: loss };
  if (impl === 'webgpu-logreg') {
    r.engineRequested = engine ?? '';
    r.dispatchesPerEpoch = 1000;
  }
  return r;
}

function part(name: PartFile['part'], rows: DeviceRow[], extra: Partial<PartFile> = {}): PartFile {
  return { part: name, durationS: 1, failures: [], rows, ...extra };
}

test('report: ratios are theirs/ours per X form, the floor is the larger bound, and every gap is a failure', () => {
  const config = runConfig(false, false);
  const parts = [
    part('prepare', [], { config }),
    part('probe', [], { dispatchCost: { emptyUs: 2, chainedUs: 4, fixedMs: 0.1, counts: [500, 5000] }, bandwidth: { gbps: 1000, bytes: 1, how: 'webgpu' } }),
    part('library', [row('webgpu-logreg', 'gpu', 'f32', 10, 0.5), row('webgpu-logreg', 'gpu', 'bytes', 5, 0.5), row('webgpu-logreg', 'cpu', 'f32', 20, 0.5)]),
    part('torch', [row('torch-eager', null, 'f32', 30, 0.5000001), row('torch-cuda-graph', null, 'bytes', 2, 0.5)], { bandwidth: { gbps: 4000, bytes: 1, how: 'torch' } }),
  ];
  const ok = { prepare: '0', probe: '0', library: '0', torch: '0', reference: '0', tfjs: '0' };
  let s: DeviceSummary = summarize(parts, ok, false);
  const eager = s.rows.find((r) => r.impl === 'torch-eager');
  const graph = s.rows.find((r) => r.impl === 'torch-cuda-graph');
  const ours = s.rows.find((r) => r.impl === 'webgpu-logreg' && r.x === 'f32' && r.engine === 'gpu');
  assert.is(eager?.vsOursGpu, 3);
  assert.is(eager?.vsOursCpu, 1.5);
  assert.is(graph?.vsOursGpu, 0.4);
  // Torch's bandwidth wins over WebGPU's; 1000 dispatches × 4 µs = 4 ms beats 188 MB / 4000 GB/s.
  assert.ok(Math.abs((ours?.floor.bandwidthMs ?? 0) - (60000 * 784 * 4) / 4e9) < 1e-9);
  assert.is(ours?.floor.floorMs, 4);
  assert.is(ours?.floor.overFloor, 2.5);
  assert.equal(s.engines, { gpu: 'gpu', cpu: 'cpu' });
  assert.ok(s.loss.ok && (s.loss.maxRelDiff ?? 1) < 1e-6, JSON.stringify(s.loss));
  // Missing parts, timeouts and budget skips are named.
  assert.ok(s.failures.some((f) => f.includes('part reference') && f.includes('wrote no results')), s.failures.join('\n'));
  assert.ok(s.failures.some((f) => f.includes('part tfjs')), s.failures.join('\n'));
  assert.not.ok(s.ok);
  const status = (impl: string, x = 'f32'): string | undefined => s.missing.find((m) => m.impl === impl && m.x === x)?.status;
  assert.is(status('torch-cuda-graph'), 'not measured');
  assert.is(status('webgpu-logreg', 'bytes'), 'not measured');
  s = summarize(parts, { ...ok, tfjs: '124', reference: 'budget' }, false);
  assert.ok(s.failures.some((f) => f.includes('part tfjs timed out')), s.failures.join('\n'));
  assert.is(status('tfjs-webgpu'), 'timed out');
  assert.is(status('js-f64'), 'not run');
  assert.ok(s.failures.some((f) => f.includes('part reference was skipped: the time budget was spent')), s.failures.join('\n'));
  const crashed = part('tfjs', [], { failures: [{ part: 'tfjs', what: 'TF.js webgpu on Dawn', error: 'Error: boom\n  at x' }] });
  s = summarize([...parts, crashed], { ...ok, tfjs: '1' }, false);
  assert.equal(s.missing.find((m) => m.impl === 'tfjs-webgpu'), { impl: 'tfjs-webgpu', engine: null, x: 'f32', status: 'FAILED', why: 'TF.js webgpu on Dawn: Error: boom' });
  // Disagreeing losses fail the run; a skipped torch is a note locally and a failure on the device.
  const bad = [...parts.slice(0, 2), part('library', [row('webgpu-logreg', 'gpu', 'f32', 10, 0.5), row('webgpu-logreg', 'gpu', 'bytes', 5, 0.6)])];
  const skipped = part('torch', [], { skipped: 'PyTorch is not importable here' });
  s = summarize([...bad, skipped, part('reference', []), part('tfjs', [])], ok, true);
  assert.not.ok(s.loss.ok);
  assert.ok((s.loss.libraryF32VsBytes ?? 0) > LOSS_AGREEMENT);
  assert.ok(s.failures.some((f) => f.startsWith('final losses disagree')), s.failures.join('\n'));
  assert.ok(s.notes.some((n) => n.startsWith('torch: skipped here')), s.notes.join('\n'));
  s = summarize([...parts.slice(0, 3), skipped, part('reference', []), part('tfjs', [])], ok, false);
  assert.equal(s.failures, ['torch: could not run: PyTorch is not importable here']);
});

test('pack: node, dawn.node, the runner bundle, the C++ runtime and libvulkan1, under 60 MiB', async () => {
  const t0 = performance.now();
  const m = await buildPack();
  console.log(`  [device bench] pack built in ${((performance.now() - t0) / 1000).toFixed(0)} s\n${describePack(m)}`);
  assert.ok(m.totalBytes < PACK_LIMIT_BYTES, `${m.totalBytes} bytes`);
  const names = m.entries.map((e) => e.name);
  for (const want of ['node.xz', 'dawn.node.xz', 'runner.mjs.xz', 'libstdc++.so.6.xz', 'libgcc_s.so.1.xz']) assert.ok(names.includes(want), names.join(', '));
  assert.ok(names.some((n) => /^libvulkan1_.*_amd64\.deb$/.test(n)), names.join(', '));
  for (const e of m.entries) assert.ok(existsSync(join(PACK_DIR, e.name)), e.name);
  const sums = readFileSync(join(PACK_DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
  assert.is(sums.length, m.entries.length);
  // Compressed well below the sources: the binaries travel, not the uncompressed 100+ MB.
  const node = m.entries.find((e) => e.name === 'node.xz');
  assert.ok(node !== undefined && node.bytes < node.unpackedBytes / 2, JSON.stringify(node));
});

test('run.sh --local --quick: the pack trains both engines and forms, TF.js and the f64 reference, and the losses agree', async () => {
  const out = join(ROOT, 'test-output/device-bench');
  rmSync(out, { recursive: true, force: true });
  // No Vulkan variables from outside: run.sh must set up the pack's loader and the driver itself.
  const env: NodeJS.ProcessEnv = { ...process.env, OUT: out };
  delete env.LD_LIBRARY_PATH;
  delete env.VK_ICD_FILENAMES;
  const run = await runProgram('bash', [join(ROOT, 'bench/device/run.sh'), '--local', '--quick'], { cwd: ROOT, env, killAfterMs: 600_000 });
  if (run.code !== 0) assert.unreachable(describeRun('run.sh --local --quick', run));
  const s = lastJsonLine<DeviceSummary>(run.stdout);
  console.log(`  [device bench] ${run.stdout.split('\n').filter((l) => l.startsWith('webgpu-logreg') || l.startsWith('implementation')).join('\n  [device bench] ')}`);
  assert.ok(s.ok, s.failures.join('\n'));
  assert.equal(s.engines, { gpu: 'gpu', cpu: 'cpu' });
  assert.ok(s.adapter !== null && /swiftshader/i.test(`${s.adapter.architecture} ${s.adapter.description}`), JSON.stringify(s.adapter));
  for (const engine of ['gpu', 'cpu']) {
    for (const x of ['f32', 'bytes']) {
      const r = s.rows.find((v) => v.impl === 'webgpu-logreg' && v.engine === engine && v.x === x);
      assert.ok(r !== undefined, `library engine ${engine} X ${x} missing`);
      assert.ok(Number.isFinite(r.msPerEpoch) && r.msPerEpoch > 0, `ms ${r.msPerEpoch}`);
      assert.ok(r.finalLoss !== null && Number.isFinite(r.finalLoss), `loss ${String(r.finalLoss)}`);
      assert.ok((r.dispatchesPerEpoch ?? 0) > 0, 'dispatches counted');
    }
  }
  for (const impl of ['tfjs-webgpu', 'js-f64']) {
    const r = s.rows.find((v) => v.impl === impl);
    assert.ok(r !== undefined && Number.isFinite(r.msPerEpoch) && r.finalLoss !== null && Number.isFinite(r.finalLoss), `${impl}: ${JSON.stringify(r)}`);
  }
  assert.ok(s.loss.ok && s.loss.libraryF32VsBytes !== null && s.loss.libraryF32VsBytes <= LOSS_AGREEMENT, JSON.stringify(s.loss));
  // The f64 reference walked the exported orders: had fit() shuffled differently, W would differ by far more.
  const ref = s.rows.find((v) => v.impl === 'js-f64');
  assert.ok(ref?.paramRelDiff !== null && (ref?.paramRelDiff ?? 1) < 1e-4, `js-f64 parameters differ by ${String(ref?.paramRelDiff)}`);
  assert.ok(s.dispatchCost !== null && Number.isFinite(s.dispatchCost.chainedUs), 'dispatch cost measured');
  if (!hasTorch()) assert.ok(s.notes.some((n) => n.startsWith('torch: skipped here')), s.notes.join('\n'));
  assert.ok(existsSync(join(out, 'summary.json')) && existsSync(join(out, 'report.txt')) && existsSync(join(out, 'logs/library.log')));
});

test('run.sh keeps going past failing parts: with no Vulkan driver the WebGPU rows say FAILED and the rest still run', async () => {
  const out = join(ROOT, 'test-output/device-bench-no-driver');
  rmSync(out, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, OUT: out, DEVICE_BENCH_ICD: '/nonexistent/vulkan_icd.json' };
  delete env.LD_LIBRARY_PATH;
  delete env.VK_ICD_FILENAMES;
  const run = await runProgram('bash', [join(ROOT, 'bench/device/run.sh'), '--local', '--quick'], { cwd: ROOT, env, killAfterMs: 300_000 });
  assert.is(run.code, 1, describeRun('run.sh without a driver', run));
  assert.match(run.stderr, /no Vulkan ICD file at \/nonexistent/);
  const s = lastJsonLine<DeviceSummary>(run.stdout);
  assert.not.ok(s.ok);
  assert.is(s.statuses.prepare, '0');
  assert.is(s.statuses.reference, '0');
  assert.ok(s.failures.some((f) => f.includes('found no adapter')), s.failures.join('\n'));
  for (const impl of ['webgpu-logreg', 'tfjs-webgpu']) {
    assert.ok(s.missing.some((m) => m.impl === impl && m.status === 'FAILED'), `${impl}: ${JSON.stringify(s.missing)}`);
  }
  assert.match(run.stdout, /^webgpu-logreg\s+gpu\s+f32\s+–\s+FAILED/m);
  assert.ok(s.rows.some((r) => r.impl === 'js-f64' && r.finalLoss !== null && Number.isFinite(r.finalLoss)), 'the reference still ran');
});

function hasTorch(): boolean {
  return spawnSync('python3', ['-c', 'import torch']).status === 0;
}

test.run();

// Fixtures for the single GPU operations, the adapter and the kernels' reflected layouts.
import { createContext, ops, type GpuContext, type GpuMatrix } from '../src/index.ts';
import { SHADERS, shaderSource, type KernelName } from '../src/gpu/shaders.ts';
import { reflectShader } from '../src/gpu/reflect.ts';
import { FEATURE_SETS, shaderInfo, toReflected, variantKey } from '../src/gpu/shader-info.ts';
import type { LossKind } from '../src/types.ts';
import { BUFFER_USAGE } from '../src/gpu/webgpu-constants.ts';
import type { WireError, WireMatrix } from './wire.ts';
import type { ContextOptions } from '../src/index.ts';
import { context, decodeNumbers, destroyResult, errorOf, isMatrixArg, need, pageEngine, plainContext, readAll, toWire, upload, withUploads } from './fixtures-shared.ts';

/** Fills `out` with a probe shader that copies each uniform field to a storage array. */
/** Kernels as the plain (no-subgroup) build: the uniform structs and bindings are the same in both. */
function plainSource(kernel: KernelName): string {
  return shaderSource(kernel, { subgroups: false });
}

function uniformProbeSource(kernel: KernelName): { source: string; fields: { name: string; type: string }[] } | null {
  const layout = reflectShader(plainSource(kernel)).uniforms;
  if (layout === null) return null;
  const struct = new RegExp(`struct\\s+${layout.structName}\\s*\\{[^}]*\\}`).exec(plainSource(kernel));
  if (struct === null) throw new Error(`${kernel}: struct ${layout.structName} not found in source`);
  const copies = layout.fields.map((f, i) => `  out[${i}] = f32(params.${f.name});`).join('\n');
  const source = `${struct[0]}
@group(0) @binding(0) var<uniform> params: ${layout.structName};
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1)
fn main() {
${copies}
}`;
  return { source, fields: layout.fields.map((f) => ({ name: f.name, type: f.type })) };
}

/** Op calls that should fail: `{ $matrix }` arguments are uploaded first so shape errors come from the op. */
async function runOpForError(ctx: GpuContext, op: string, args: unknown[]): Promise<void> {
  const uploaded: GpuMatrix[] = [];
  const resolved = args.map(decodeNumbers).map((arg) => {
    if (!isMatrixArg(arg)) return arg;
    const m = upload(ctx, 'arg', arg.$matrix);
    if (arg.destroyed === true) m.destroy();
    else uploaded.push(m);
    return m;
  });
  try {
    if (op === 'upload') {
      ctx.upload(resolved[0] as never, 'X').destroy();
      return;
    }
    const fn = (ops as unknown as Record<string, (...a: unknown[]) => unknown>)[op];
    if (fn === undefined) throw new Error(`no op ${op}`);
    destroyResult(fn(ctx, ...resolved));
  } finally {
    for (const m of uploaded) m.destroy();
  }
}

export const opFixtures = {
  async adapter() {
    const ctx = await context();
    const offered = (await navigator.gpu.requestAdapter())?.features.has('subgroups') === true;
    return {
      ...ctx.adapter, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize,
      subgroupsOffered: offered, subgroups: ctx.subgroups, plainSubgroups: (await plainContext()).subgroups,
      engine: ctx.engine, plainEngine: (await plainContext()).engine, requestedEngine: pageEngine(),
    };
  },
  /** The engine a new context resolves `engine` to on this adapter, or the error createContext throws. */
  async engineChoice(a: { engine: unknown }): Promise<{ engine: string | null; cpuAdapter: boolean; error: WireError['error'] | null }> {
    let engine: string | null = null;
    let cpuAdapter = false;
    const error = await errorOf(async () => {
      const ctx = await createContext(a.engine === undefined ? {} : ({ engine: a.engine } as ContextOptions));
      engine = ctx.engine;
      cpuAdapter = ctx.adapter.cpu;
      ctx.destroy();
    });
    return { engine, cpuAdapter, error };
  },
  async matmul(a: { X: WireMatrix; W: WireMatrix; b?: WireMatrix }): Promise<WireMatrix> {
    return withUploads({ X: a.X, W: a.W, b: a.b }, async (ctx, m) => {
      const [Z] = await readAll(ops.matmul(ctx, need(m, 'X'), need(m, 'W'), m.b));
      return Z as WireMatrix;
    });
  },
  async sigmoid(a: { Z: WireMatrix }): Promise<WireMatrix> {
    return withUploads({ Z: a.Z }, async (ctx, m) => (await readAll(ops.sigmoid(ctx, need(m, 'Z'))))[0] as WireMatrix);
  },
  async softmax(a: { Z: WireMatrix }): Promise<WireMatrix> {
    return withUploads({ Z: a.Z }, async (ctx, m) => (await readAll(ops.softmax(ctx, need(m, 'Z'))))[0] as WireMatrix);
  },
  async gradient(a: { X: WireMatrix; Yhat: WireMatrix; Y: WireMatrix }): Promise<{ dW: WireMatrix; db: WireMatrix }> {
    return withUploads(a, async (ctx, m) => {
      const g = ops.gradient(ctx, need(m, 'X'), need(m, 'Yhat'), need(m, 'Y'));
      const [dW, db] = await readAll(g.dW, g.db);
      return { dW: dW as WireMatrix, db: db as WireMatrix };
    });
  },
  async loss(a: { kind: LossKind; Z: WireMatrix; Y: WireMatrix }): Promise<number> {
    return withUploads({ Z: a.Z, Y: a.Y }, async (ctx, m) => {
      const [out] = await readAll(ops.loss(ctx, a.kind, need(m, 'Z'), need(m, 'Y')));
      return (out as WireMatrix).data[0] as number;
    });
  },
  async sgdStep(a: { W: WireMatrix; dW: WireMatrix; learningRate: number; l2?: number; b?: WireMatrix; db?: WireMatrix }) {
    return withUploads({ W: a.W, dW: a.dW, b: a.b, db: a.db }, async (ctx, m) => {
      const bias = m.b !== undefined && m.db !== undefined ? { b: m.b, db: m.db } : undefined;
      ops.sgdStep(ctx, need(m, 'W'), need(m, 'dW'), a.learningRate, a.l2, bias);
      const [W, b] = await Promise.all([need(m, 'W').read(), m.b?.read()]);
      return { W: toWire(W), b: b === undefined ? undefined : toWire(b) };
    });
  },
  /** For every kernel: pack distinct values with the reflected layout and read back what the GPU sees. */
  async uniformLayouts() {
    const ctx = await context();
    const report: { kernel: string; fields: { name: string; sent: number; seen: number }[] }[] = [];
    for (const kernel of Object.keys(SHADERS) as KernelName[]) {
      const probe = uniformProbeSource(kernel);
      if (probe === null) continue;
      const values: Record<string, number> = {};
      probe.fields.forEach((f, i) => {
        values[f.name] = f.type === 'f32' ? 0.25 + 1.5 * i : 1000 + 17 * i;
      });
      const bytes = ctx.kernel(kernel).uniformBytes(values);
      const module = ctx.device.createShaderModule({ code: probe.source });
      const pipeline = ctx.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const uniform = ctx.createUniform(bytes, 'probe.params');
      const out = ctx.createStorage(probe.fields.length, 'probe.out', Number.NaN);
      const bindGroup = ctx.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 1, resource: { buffer: out } },
        ],
      });
      ctx.submit([{ pipeline, bindGroup, workgroups: [1, 1, 1] }], [uniform]);
      const seen = await ctx.readBuffer(out, probe.fields.length);
      ctx.releaseBuffer(out);
      report.push({
        kernel,
        fields: probe.fields.map((f, i) => ({ name: f.name, sent: values[f.name] as number, seen: seen[i] as number })),
      });
    }
    return report;
  },
  /** The reflected layouts themselves, and packUniforms' checks, for tests to inspect. */
  reflectedLayouts() {
    return (Object.keys(SHADERS) as KernelName[]).map((kernel) => {
      const info = reflectShader(plainSource(kernel));
      return {
        kernel,
        uniforms: info.uniforms,
        entries: [...info.entries.values()].map((e) => ({ name: e.name, bindings: [...e.bindings.keys()] })),
      };
    });
  },
  /**
   * For every kernel and feature set: the ShaderInfo the build reflected (what Kernel uses) and a
   * fresh reflection of the same preprocessed source by wgsl_reflect, here in the page, as JSON.
   */
  reflectionAgreement() {
    return (Object.keys(SHADERS) as KernelName[]).flatMap((kernel) =>
      FEATURE_SETS.map((features) => ({
        variant: variantKey(kernel, features),
        built: JSON.stringify(toReflected(shaderInfo(kernel, features))),
        fresh: JSON.stringify(toReflected(reflectShader(shaderSource(kernel, features)))),
      })),
    );
  },
  /** Runs a named op with arguments and reports the error it throws (or null). */
  async opError(a: { op: string; args: unknown[] }): Promise<WireError | null> {
    const ctx = await context();
    try {
      await runOpForError(ctx, a.op, a.args);
      return null;
    } catch (e) {
      const err = e as Error;
      return { error: { name: err.name, message: err.message } };
    }
  },
  bufferUsageConstants() {
    return { ours: BUFFER_USAGE, browser: { STORAGE: GPUBufferUsage.STORAGE, UNIFORM: GPUBufferUsage.UNIFORM, MAP_READ: GPUBufferUsage.MAP_READ } };
  },
};

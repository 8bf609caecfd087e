// The one preprocessing step kernels get: shared parts spliced in and feature-dependent lines
// chosen before compilation.

/** Device capabilities a shader may branch on with `//#if <name>` … `//#else` … `//#endif` lines. */
export interface ShaderFeatures {
  /** The device has the WGSL `subgroups` extension enabled. */
  subgroups: boolean;
}

const IF = /^\s*\/\/#if\s+(\w+)\s*$/;
const ELSE = /^\s*\/\/#else\s*$/;
const ENDIF = /^\s*\/\/#endif\s*$/;
const INCLUDE = /^\s*\/\/#include\s+(\w+)\s*$/;

/** Shared WGSL by name, for `//#include <name>` lines. */
export type ShaderParts = Readonly<Record<string, string>>;

/**
 * Replaces each `//#include name` line with `parts[name]` (once per shader), then keeps the lines of
 * each `//#if feature` block whose condition holds for `features` (the `//#else` part otherwise).
 * WGSL has neither includes nor conditional compilation, and an `enable` directive or a subgroup
 * builtin fails to compile on a device without the feature, so both are done on the text.
 */
export function preprocess(source: string, features: ShaderFeatures, parts: ShaderParts = {}): string {
  return select(splice(source, parts), features);
}

function splice(source: string, parts: ShaderParts): string {
  const seen = new Set<string>();
  return source.split('\n').map((line, i) => {
    const included = INCLUDE.exec(line);
    if (included === null) return line;
    const name = included[1] as string;
    const part = parts[name];
    if (part === undefined) throw new Error(`shader line ${i + 1}: //#include of unknown part '${name}'`);
    if (seen.has(name)) throw new Error(`shader line ${i + 1}: part '${name}' is included twice`);
    if (part.split('\n').some((l) => INCLUDE.test(l))) throw new Error(`shader part '${name}' includes another part; parts do not nest`);
    seen.add(name);
    return part;
  }).join('\n');
}

function select(source: string, features: ShaderFeatures): string {
  const out: string[] = [];
  // One entry per open block: whether its current branch is kept (nesting ANDs them).
  const stack: { cond: boolean; inElse: boolean }[] = [];
  const keeping = (): boolean => stack.every((b) => b.cond !== b.inElse);
  source.split('\n').forEach((line, i) => {
    const opened = IF.exec(line);
    if (opened !== null) {
      const name = opened[1] as string;
      if (!(name in features)) throw new Error(`shader line ${i + 1}: unknown feature '${name}' in //#if`);
      stack.push({ cond: features[name as keyof ShaderFeatures], inElse: false });
    } else if (ELSE.test(line)) {
      const top = stack[stack.length - 1];
      if (top === undefined || top.inElse) throw new Error(`shader line ${i + 1}: //#else without //#if`);
      top.inElse = true;
    } else if (ENDIF.test(line)) {
      if (stack.pop() === undefined) throw new Error(`shader line ${i + 1}: //#endif without //#if`);
    } else if (keeping()) {
      out.push(line);
    }
  });
  if (stack.length > 0) throw new Error('shader: //#if without //#endif');
  return out.join('\n');
}

// Generated gradient code: parse → differentiate → simplify (the printed formulas) → lower the
// shared value + gradient DAG to one SSA program → kernels → TypeScript/JavaScript text.
// `generate` returns the module text (the CLI writes it to a file); `compile` runs it in-process.
import type { DiffResult } from './api.ts';
import type { Model, VariableInfo } from './build/index.ts';
import type { Node } from './ir/node.ts';
import { differentiate, foldedDefinitions, parse } from './api.ts';
import { emitModule } from './codegen/module.ts';
import type { ModuleSpec, SecondOrderSpec } from './codegen/module.ts';
import { DIRECTION_INPUT } from './codegen/module.ts';
import { hessian, hessianVectorProduct } from './jacobian/index.ts';
import type { Lang } from './codegen/print.ts';
import type { PythonLang, PythonSpec } from './codegen/python.ts';
import { emitPython, isPythonLang } from './codegen/python.ts';
import { ChainruleError } from './errors.ts';
import { display } from './build/index.ts';
import { parseProgram } from './syntax/parse.ts';
import { nameKey, type Expr, type Span } from './syntax/ast.ts';
import { lower } from './lower/lower.ts';
import * as C from './ir/construct.ts';
import { transpose } from './ir/construct.ts';
import { Folding, symbolFor } from './ir/fold.ts';
import { DERIVATIVE_KEY_PREFIX, INTERMEDIATE_KEY_PREFIX, topoSort } from './ir/node.ts';
import { isSymmetric } from './ir/properties.ts';
import { isColumn, isScalar } from './ir/shape.ts';
import { print } from './print/index.ts';
import { identifierFor } from './print/names.ts';

export type { Lang, PythonLang };
/** Every language `generate` writes: TypeScript, JavaScript, and Python (NumPy, PyTorch, JAX). */
export type GenerateLang = Lang | PythonLang;

export interface CompileOptions {
  /** Variables to differentiate with respect to: `['W', 'x']` or `'W,x'`. */
  readonly wrt: readonly string[] | string;
  /** Declarations beside the expression: `W: n×n, x: n`. */
  readonly where?: string;
  /** Sizes fixed at generation time (fully specialized loops): `{ n: 256 }`. */
  readonly dims?: Readonly<Record<string, number>>;
  /** The definition to take as the output (default: the last statement). */
  readonly of?: string;
  /** The command line to record in the module header. */
  readonly command?: string;
  /** Also emit hessian(input) (blocks with a matrix form: scalar and vector variables) and hvp(input, direction)
   * (the joint Hessian-vector product, one direction part per variable); in every language. */
  readonly hessian?: boolean;
}

/** Inputs by ASCII key: numbers for scalars, row-major Float64Array for vectors and matrices. */
export type CompiledInputs = Readonly<Record<string, number | Float64Array>>;

export interface Compiled {
  value(input: CompiledInputs, dims?: Readonly<Record<string, number>>): number;
  valueAndGrad(input: CompiledInputs, dims?: Readonly<Record<string, number>>): { value: number; grad: Record<string, number | Float64Array> };
  /** With `hessian: true`: the Hessian blocks, keyed `x` (and `x_y` for ∂²f/∂x∂y), row-major. */
  readonly hessian?: (input: CompiledInputs, dims?: Readonly<Record<string, number>>) => Record<string, number | Float64Array>;
  /** With `hessian: true`: the joint ∇²f·v, one result per variable; v has one part per variable, direction[key]. */
  readonly hvp?: (input: CompiledInputs, direction: CompiledInputs, dims?: Readonly<Record<string, number>>) => Record<string, number | Float64Array>;
  /** The same module as TypeScript text (what `chainrule codegen` writes). */
  readonly source: string;
  /** Names and shapes of the inputs, by key. */
  readonly inputs: Readonly<Record<string, { readonly name: string; readonly shape: readonly (number | string)[] }>>;
  /** Sizes fixed at generation. */
  readonly sizes: Readonly<Record<string, number>>;
}

/** A derivative to generate: the variable, its simplified node, and the formula as printed. */
export interface GeneratedDerivative {
  readonly variable: VariableInfo;
  readonly node: Node;
  readonly unicode: string;
}

/** The generation-time description of a module: what `emitModule` prints. */
export function moduleSpec(source: string, options: CompileOptions): { spec: ModuleSpec; diff: DiffResult } {
  const model = parse(source, { where: options.where, of: options.of });
  requireConcreteFunctions(model);
  const wrt = typeof options.wrt === 'string' ? options.wrt.split(',').map((s) => s.trim()).filter(Boolean) : options.wrt;
  const diff = differentiate(model, wrt);
  return { spec: moduleSpecFor(model, diff.derivatives, options), diff };
}

/** An abstract function (`Φ: elementwise`, `f(y)`) has no code: refused before anything is
 * generated, with the caret under its first use in the source. */
function requireConcreteFunctions(model: Model): void {
  for (const node of topoSort([model.output.node])) {
    const fn = node.op === 'call' ? node.attr : node.op === 'apply' && node.attr.kind === 'abstract' ? node.attr : undefined;
    if (fn === undefined) continue;
    const span = firstCall(model.source, fn.key);
    const written = span ? model.source.slice(span.start, span.end) : display(fn.name);
    throw new ChainruleError(`${written} is an abstract function: generated code needs a concrete one`, {
      span,
      source: model.source,
      hint: 'write a built-in in its place (tanh, σ, relu, softplus, exp), e.g. tanh(W⁽¹⁾x + b) for Φ(W⁽¹⁾x + b)',
    });
  }
}

/** The span of the first call of the function `key` in `source`, if there is one. */
function firstCall(source: string, key: string): Span | undefined {
  const stack: unknown[] = [...parseProgram(source).statements].reverse();
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) { for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]); continue; }
    const e = item as Partial<Expr> & Record<string, unknown>;
    if (e.kind === 'call' && 'name' in e.callee! && nameKey(e.callee.name) === key) return e.span;
    for (const field of ['value', 'arg', 'left', 'right', 'base', 'exponent', 'args', 'body', 'lower', 'upper'].reverse()) if (field in e) stack.push(e[field]);
  }
  return undefined;
}

/** The ASCII key of every variable (by variable key); the labels of nodes in the user's names and
 * the gradients' names; and each gradient's formula as the module's comments write it. */
function namesFor(model: Model, options: Omit<CompileOptions, 'wrt'>, derivatives: readonly GeneratedDerivative[], naming: { intermediates?: boolean } = {}): { keys: Map<string, string>; label: (node: Node) => string; formula: (d: GeneratedDerivative) => string; intermediates: { name: string; formula: string }[] } {
  const dims = options.dims ?? {};
  for (const d of Object.keys(dims)) {
    if (!model.dims.includes(d)) throw new ChainruleError(`--dims gives ${d}, which is not a size of the expression`, { hint: model.dims.length ? `its sizes are ${model.dims.join(', ')}` : 'the expression has no symbolic sizes' });
  }
  const keys = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const v of model.variables) {
    const key = identifierFor(v.name);
    const other = owners.get(key);
    if (other) throw new ChainruleError(`${other} and ${v.display} would both be called ${key} in generated code`, { hint: 'rename one of them' });
    owners.set(key, v.display);
    keys.set(v.key, key);
  }
  const { folding, formulas, intermediates } = namedGradients(model, derivatives, naming);
  const own = new Map(folding.definitions.map((f) => [f.node, f.expr]));
  return {
    keys,
    intermediates,
    label: (node: Node): string => print(own.get(node) ?? folding.fold(node), 'unicode'),
    formula: (d) => (formulas.get(d) as { text: string }).text,
  };
}

/** The shortest forward value a module names (u₁ = …): short ones read better written out, as
 * (αAAᵀ + β⁻¹I)⁻¹ does in a small module's formulas. */
const INTERMEDIATE_MIN_LENGTH = 24;

/**
 * The user's definitions, then the gradients, as names to write comments with. A gradient gets a
 * name, (∂L/∂b₁), when its formula is long (three times its name or more); later formulas refer to
 * it: ∂L/∂W₁ = (∂L/∂b₁)xᵀ, and ∂L/∂b₁ = W₂ᵀ(∂L/∂b₂) ⊙ 𝟙[W₁x + b₁ > 0] a layer down. The gradients
 * are taken smallest first (by height), so a gradient inside another is named before it, and the
 * comments of an L-layer network grow like L, not L² (each spelled out all the layers above it).
 *
 * With `intermediates`, a long forward value that the formulas use more than once and the user did
 * not name gets a name too (u₁ = W₂ relu(W₁x + b₁) + b₂), which the module's header lists: a network
 * written as one nested expression would otherwise spell out every layer below in each formula.
 */
export function namedGradients(
  model: Model,
  derivatives: readonly GeneratedDerivative[],
  naming: { intermediates?: boolean } = {},
): { folding: Folding; formulas: Map<GeneratedDerivative, { text: string; expr: Node }>; intermediates: { name: string; formula: string; node: Node; symbol: Node }[] } {
  const folding = new Folding();
  for (const d of foldedDefinitions(model)) folding.add(d.node, symbolFor(d.name, d.node));
  const long = (text: string, name: string) => [...text].length >= 3 * ([...name].length + 2);
  const intermediates: { name: string; formula: string; node: Node; symbol: Node }[] = [];
  if (naming.intermediates) {
    const output = model.output.node;
    const uses = new Map<Node, number>();
    for (const n of topoSort([output, ...derivatives.map((d) => d.node)])) for (const a of n.args) uses.set(a, (uses.get(a) ?? 0) + 1);
    const taken = new Set([...model.variables.map((v) => v.name.base), ...model.definitions.map((d) => d.name.base), ...model.dims]);
    const letter = ['u', 'v', 'ζ', 'ξ', 'ψ'].find((l) => !taken.has(l));
    for (const n of letter ? topoSort([output]) : []) {
      if (n.args.length === 0 || n === output || folding.names(n) || (uses.get(n) ?? 0) < 2) continue;
      const expr = folding.fold(n);
      const formula = print(expr, 'unicode');
      const name = { base: letter as string, sub: String(intermediates.length + 1) };
      if (expr.op === 'var' || [...formula].length < INTERMEDIATE_MIN_LENGTH) continue;
      const symbol = C.variable({ key: `${INTERMEDIATE_KEY_PREFIX}${intermediates.length + 1}`, name, symmetric: isSymmetric(n) && !isScalar(n.shape) }, n.shape);
      folding.push({ node: n, symbol, expr });
      intermediates.push({ name: print(symbol, 'unicode'), formula, node: n, symbol });
    }
  }
  const heights = new Map<Node, number>();
  for (const n of topoSort(derivatives.map((d) => d.node))) heights.set(n, 1 + Math.max(0, ...n.args.map((a) => heights.get(a) as number)));
  const order = derivatives.map((d, i) => ({ d, i, height: heights.get(d.node) as number })).sort((a, b) => a.height - b.height || a.i - b.i);
  const output = model.output.display ?? 'f';
  const formulas = new Map<GeneratedDerivative, { text: string; expr: Node }>();
  for (const { d } of order) {
    const expr = folding.fold(d.node);
    const text = print(expr, 'unicode');
    formulas.set(d, { text, expr });
    const name = `∂${output}/∂${d.variable.display}`;
    if (d.node.args.length > 0 && expr.op !== 'var' && long(text, name)) {
      folding.push({ node: d.node, symbol: C.variable({ key: `${DERIVATIVE_KEY_PREFIX}${d.variable.key}`, name: { base: name }, symmetric: false }, d.node.shape), expr });
    }
  }
  return { folding, formulas, intermediates };
}

export function moduleSpecFor(model: Model, derivatives: readonly GeneratedDerivative[], options: Omit<CompileOptions, 'wrt'> = {}): ModuleSpec {
  const dims = options.dims ?? {};
  const { keys, label, formula, intermediates } = namesFor(model, options, derivatives, { intermediates: true });
  const ids = { next: 1 };
  const lowerOptions = { dims, inputKey: (k: string) => keys.get(k) as string, label, ids };
  const second = options.hessian ? secondOrderSpec(model, derivatives, keys, lowerOptions) : undefined;
  const output = model.output.node;
  const outputFormula = label(output);
  const valueRoot = { node: output, key: 'value', label: outputFormula };
  const gradRoots = derivatives.map((d) => ({ node: d.node, key: keys.get(d.variable.key) as string, label: formula(d) }));
  return {
    source: model.source,
    where: options.where,
    command: options.command,
    outputName: model.output.display ?? 'f',
    outputFormula,
    intermediates: intermediates.map(({ name, formula }) => ({ name, formula })),
    inputs: model.variables.map((v) => ({ key: keys.get(v.key) as string, display: v.display, rows: v.shape.rows, cols: v.shape.cols })),
    gradients: derivatives.map((d) => ({ key: keys.get(d.variable.key) as string, display: d.variable.display, formula: formula(d) })),
    dims,
    valueProgram: lower([valueRoot], lowerOptions),
    gradProgram: lower([valueRoot, ...gradRoots], lowerOptions),
    ...(second ? { second } : {}),
  };
}

/** A generated second-order result: its key in the returned object, and the node computing it. */
interface SecondOrderRoot {
  readonly key: string;
  readonly display: string;
  readonly formula: string;
  readonly node: Node;
  readonly symmetric?: boolean;
}

/** The roots of hessian and hvp, for every target: the Hessian blocks with a matrix form (scalar and
 * vector variables, each in row-major order of (x's entries) × (y's entries), keyed `x` or `x_y`), and
 * the joint Hessian-vector product's part for every variable, with the key of each direction variable. */
function secondOrderRoots(model: Model, derivatives: readonly GeneratedDerivative[], keys: ReadonlyMap<string, string>): { hessians: SecondOrderRoot[]; hvps: SecondOrderRoot[]; directionKeys: Map<string, string> } {
  const wrt = derivatives.map((d) => d.variable.display);
  const keyOf = (v: VariableInfo) => keys.get(v.key) as string;
  const hessians = hessian(model, wrt).blocks.flatMap((b) =>
    b.matrix === undefined
      ? []
      : [{
          key: b.row === b.col ? keyOf(b.row) : `${keyOf(b.row)}_${keyOf(b.col)}`,
          display: b.row === b.col ? `∂${b.row.display}²` : `∂${b.row.display}∂${b.col.display}`,
          formula: b.unicode,
          // A matrix y's numerator-layout block is transposed back to y's entry order.
          node: isColumn(b.col.shape) || isScalar(b.col.shape) ? b.matrix : transpose(b.matrix),
          // ∂²f/∂x² of a vector x is symmetric: its product kernel fills one triangle and mirrors it.
          symmetric: b.row === b.col && isColumn(b.row.shape) && !isScalar(b.row.shape),
        }],
  );
  const clash = hessians.find((h, i) => hessians.findIndex((o) => o.key === h.key) !== i);
  if (clash) throw new ChainruleError(`two Hessian blocks would both be called ${clash.key} in generated code`, { hint: 'rename the variable whose name contains an underscore' });
  const products = hessianVectorProduct(model, wrt).products;
  const hvps = products.map((p) => ({ key: keyOf(p.variable), display: p.variable.display, formula: p.unicode, node: p.node }));
  const directionKeys = new Map(products.map((p) => [p.direction.op === 'var' ? p.direction.attr.key : '', keyOf(p.variable)]));
  return { hessians, hvps, directionKeys };
}

/** hessian and hvp programs; hvp reads each direction variable from its second argument. */
function secondOrderSpec(model: Model, derivatives: readonly GeneratedDerivative[], keys: Map<string, string>, lowerOptions: Parameters<typeof lower>[1]): SecondOrderSpec {
  const { hessians, hvps, directionKeys } = secondOrderRoots(model, derivatives, keys);
  const hvpOptions = { ...lowerOptions, inputKey: (k: string) => { const d = directionKeys.get(k); return d !== undefined ? `${DIRECTION_INPUT}${d}` : lowerOptions.inputKey(k); } };
  const described = (r: SecondOrderRoot) => ({ key: r.key, display: r.display, formula: r.formula });
  return {
    hessians: hessians.map(described),
    hessianProgram: lower(hessians.map((h) => ({ node: h.node, key: h.key, label: h.formula, symmetric: h.symmetric })), { ...lowerOptions, symmetricProducts: true }),
    hvps: hvps.map(described),
    hvpProgram: lower(hvps.map((p) => ({ node: p.node, key: p.key, label: p.formula })), hvpOptions),
  };
}

/** The description of a Python module: the same simplified value and gradient nodes the JS lowering gets. */
export function pythonSpecFor(model: Model, derivatives: readonly GeneratedDerivative[], options: Omit<CompileOptions, 'wrt'> = {}): PythonSpec {
  const { keys, label, formula } = namesFor(model, options, derivatives);
  const second = options.hessian ? secondOrderRoots(model, derivatives, keys) : undefined;
  return {
    source: model.source,
    where: options.where,
    command: options.command,
    outputName: model.output.display ?? 'f',
    outputFormula: label(model.output.node),
    output: model.output.node,
    inputs: model.variables.map((v) => ({ key: keys.get(v.key) as string, display: v.display, rows: v.shape.rows, cols: v.shape.cols, symmetric: v.node.op === 'var' && v.node.attr.symmetric })),
    gradients: derivatives.map((d) => ({ key: keys.get(d.variable.key) as string, display: d.variable.display, formula: formula(d), node: d.node })),
    dims: options.dims ?? {},
    sizes: model.dims,
    inputKey: (k) => keys.get(k) as string,
    label,
    ...(second ? { second: { hessians: second.hessians, hvps: second.hvps, directionOf: (k: string) => second.directionKeys.get(k) } } : {}),
  };
}

export interface GenerateOptions extends CompileOptions {
  /** ts (default), js, or a Python module: numpy, torch, jax. */
  readonly lang?: GenerateLang;
  /** Python (numpy) only: append `check_gradients()`, a finite-difference self-test. */
  readonly check?: boolean;
}

/** The module text: TypeScript (default) or JavaScript, an ES module with no imports; or a Python module. */
export function generate(source: string, options: GenerateOptions): string {
  const lang = options.lang ?? 'ts';
  if (isPythonLang(lang)) {
    const model = parse(source, { where: options.where, of: options.of });
    requireConcreteFunctions(model);
    const wrt = typeof options.wrt === 'string' ? options.wrt.split(',').map((s) => s.trim()).filter(Boolean) : options.wrt;
    const diff = differentiate(model, wrt);
    return emitPython(pythonSpecFor(model, diff.derivatives, options), { lang, check: options.check });
  }
  if (options.check) throw new ChainruleError('--check is available for --lang numpy', { hint: 'generate with --lang numpy --check' });
  return emitModule(moduleSpec(source, options).spec, { lang, form: 'module' });
}

/** Compiles to functions in this process. Each call creates its functions exactly once (one
 * `new Function`), so V8 specializes them; keep and reuse the result rather than recompiling. */
export function compile(source: string, options: CompileOptions): Compiled {
  return compileSpec(moduleSpec(source, options).spec);
}

/** Runs a module description in-process. */
export function compileSpec(spec: ModuleSpec): Compiled {
  const body = emitModule(spec, { lang: 'js', form: 'function-body' });
  const made = new Function(body)() as Omit<Compiled, 'source'>;
  let text: string | undefined;
  return {
    value: made.value,
    valueAndGrad: made.valueAndGrad,
    ...(made.hessian ? { hessian: made.hessian, hvp: made.hvp } : {}),
    inputs: made.inputs,
    sizes: made.sizes,
    get source() {
      text ??= emitModule(spec, { lang: 'ts', form: 'module' });
      return text;
    },
  };
}

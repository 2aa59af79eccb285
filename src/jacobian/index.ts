// Jacobians, Hessians and Hessian-vector products, in matrix form where one exists.
//
// Everything starts from one forward-mode pass (`diff/forward.ts`): the differential dF = L(dX) of
// the output along a symbolic direction dX. A Jacobian is the matrix of that linear map
// (`linear.ts` moves dx to the right: d tanh(Wx) = (𝟙 − tanh(Wx)^∘2) ⊙ W dx = diag(…)W dx); a
// Hessian is the Jacobian of the gradient (forward-over-reverse), and a Hessian-vector product is
// the differential of the gradient along v. Where no matrix form exists (a matrix by a matrix) the
// differential is the answer, with its Kronecker/vec form when every term is A dX B or A dXᵀ B.
import { ChainruleError } from '../errors.ts';
import type { Model, VariableInfo } from '../build/index.ts';
import type { Bound, JsonValue } from '../eval/json.ts';
import { differentiate, findVariable, findVariables, inDefinitions, outputName } from '../api.ts';
import type { Layout } from '../diff/index.ts';
import { differential, differentialAlong } from '../diff/forward.ts';
import { backward } from '../diff/index.ts';
import type { Tensor } from '../eval/index.ts';
import { evaluate, sizeOf, tensor } from '../eval/index.ts';
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import { DIFFERENTIAL_KEY_PREFIX } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import { describeShape, isColumn, isScalar } from '../ir/shape.ts';
import type { Format } from '../print/index.ts';
import { print } from '../print/index.ts';
import { Simplifier } from '../simplify/index.ts';
import type { Name } from '../syntax/ast.ts';
import type { KroneckerForm } from './kronecker.ts';
import { kroneckerForm, printKronecker } from './kronecker.ts';
import { linearMatrix } from './linear.ts';

export { linearMatrix } from './linear.ts';
export type { KroneckerForm } from './kronecker.ts';

export interface SecondOrderOptions {
  /** numerator (J_ij = ∂f_i/∂x_j, the default for Jacobians) or gradient (its transpose). */
  readonly layout?: Layout;
  /** Print without the names of the user's definitions. */
  readonly expand?: boolean;
}

/** What is printed, in the three notations. */
export interface Printout {
  readonly unicode: string;
  readonly latex: string;
  readonly ascii: string;
}

/** A linear map of a direction: a matrix when one exists, always its differential. */
export interface LinearMap extends Printout {
  /** The matrix, in the requested layout; absent when no matrix form exists (a matrix by a matrix). */
  readonly matrix?: Node;
  /** The image of the direction, simplified: dF = L(dX). */
  readonly differential: Node;
  /** The symbolic direction, a variable of the differentiated variable's shape (`dX`). */
  readonly direction: Node;
  /** vec(dF) = K vec(dX), when every term of the differential is A dX B or A dXᵀ B. */
  readonly kronecker?: KroneckerForm;
  /** How the result is written, for a reader: the layout or the vec convention. */
  readonly convention: string;
}

export interface Jacobian extends LinearMap {
  readonly variable: VariableInfo;
}

export interface JacobianResult {
  readonly model: Model;
  readonly layout: Layout;
  readonly jacobians: readonly Jacobian[];
  readonly simplifier: Simplifier;
}

/** A symbolic direction for a variable: dX (differentials) or v (products), not clashing with the
 * model's names. Among several variables (`among`), product directions carry the variable's name
 * as a subscript: v_x, v_y, V_A, v_α. */
export function directionFor(model: Model, variable: VariableInfo, style: 'differential' | 'vector', among: readonly VariableInfo[] = [variable]): Node {
  const taken = new Set(model.variables.map((v) => v.display));
  let name: Name = variable.name;
  if (style === 'vector') {
    const candidates = isColumn(variable.shape) || isScalar(variable.shape) ? ['v', 'u', 'w', 'p', 'q', 'z'] : ['V', 'U', 'P', 'Q', 'Z'];
    if (among.length > 1) {
      const own = variable.name;
      const sub = `${own.base}${own.sub ?? ''}${own.index ?? ''}`;
      const free = candidates.find((c) => !taken.has(`${c}_${sub}`)) ?? candidates[0];
      name = { base: free, sub };
    } else {
      const free = candidates.find((c) => !taken.has(c));
      name = free ? { base: free } : { base: candidates[0], sub: 'dir' };
    }
  }
  const key = style === 'differential' ? `${DIFFERENTIAL_KEY_PREFIX}${variable.key}` : `⟨direction⟩${variable.key}`;
  return C.variable({ key, name, symmetric: variable.node.op === 'var' && variable.node.attr.symmetric }, variable.shape);
}

const VEC_CONVENTION = 'vec stacks columns, K is the commutation matrix (K vec(X) = vec(Xᵀ)), as in Magnus and Neudecker';
const SECOND_DIFFERENTIAL = 'second differential d²f[dX, dY] = ⟨dX, d(∇ₓf)[dY]⟩';

const inLayout = (matrix: Node, layout: Layout): Node => (layout === 'gradient' ? C.transpose(matrix) : matrix);

/** The matrix of `df` (the differential along `direction` of a value of shape `of`) in numerator
 * layout, when one exists: columns and scalars by columns and scalars. */
function matrixOf(df: Node, of: Shape, direction: Node): Node | undefined {
  if (isScalar(direction.shape)) return undefined; // scalar variables are seeded with 1 by the caller
  if (!isColumn(direction.shape)) return undefined;
  if (isColumn(of) || isScalar(of)) return linearMatrix(df, direction);
  return undefined;
}

interface Printing {
  readonly fold: (n: Node) => Node;
}

function printed(p: Printing, lhs: (f: Format) => string, node: Node): Printout {
  const show = (f: Format) => `${lhs(f)}${print(p.fold(node), f)}`;
  return { unicode: show('unicode'), latex: show('latex'), ascii: show('ascii') };
}

/** The linear map dF = L(dX) of `output` by `variable` (an output of any shape by a variable of any shape). */
function linearMap(
  output: Node,
  variable: VariableInfo,
  direction: Node,
  simplifier: Simplifier,
  layout: Layout,
  p: Printing,
  names: { readonly out: Printout; readonly of: Printout },
  gradient?: Node,
): LinearMap {
  const df = simplifier.simplify(differential(output, variable.node, direction));
  let numerator: Node | undefined;
  if (isScalar(variable.shape)) numerator = simplifier.simplify(differential(output, variable.node, C.ONE));
  else if (isScalar(output.shape)) {
    // A scalar by a vector or matrix: the (transposed) gradient, from the reverse pass.
    const g = gradient ?? simplifier.simplify(backward(output, [variable.node]).gradients.get(variable.node) as Node);
    numerator = C.transpose(g);
  }
  else {
    const raw = matrixOf(differential(output, variable.node, direction), output.shape, direction);
    numerator = raw && simplifier.simplify(raw);
  }
  if (numerator !== undefined) {
    const matrix = simplifier.simplify(inLayout(numerator, layout));
    const convention = layout === 'numerator' ? 'numerator layout: J_ij = ∂f_i/∂x_j' : 'gradient layout: the transpose of the numerator-layout Jacobian';
    return { matrix, differential: df, direction, convention, ...printed(p, () => '', matrix) };
  }
  const kronecker = kroneckerForm(df, direction);
  const lhs = (f: Format) => `${f === 'latex' ? '\\mathrm{d}' : 'd'}${names.out[f]} = `;
  const base = printed(p, lhs, df);
  const convention = kronecker ? `differential; ${VEC_CONVENTION}` : 'differential dF = L(dX) (no Kronecker form for these terms)';
  if (!kronecker) return { differential: df, direction, convention, ...base };
  const vec = (f: Format) => printKronecker(kronecker, f, names.out[f], names.of[f], p.fold);
  return {
    differential: df,
    direction,
    kronecker,
    convention,
    unicode: `${base.unicode}\n${vec('unicode')}`,
    latex: `${base.latex} \\\\ ${vec('latex')}`,
    ascii: `${base.ascii}\n${vec('ascii')}`,
  };
}

/** The output's name in the three notations. */
const outputNames = (model: Model): Printout => ({ unicode: outputName(model, 'unicode'), latex: outputName(model, 'latex'), ascii: outputName(model, 'ascii') });

/** The gradient being differentiated, (∇f) or (∇ₓf), in the three notations. */
function gradientNames(out: Printout, x: VariableInfo | undefined): Printout {
  if (!x) return { unicode: `(∇${out.unicode})`, latex: `(\\nabla ${out.latex})`, ascii: `(grad ${out.ascii})` };
  return { unicode: `(∇_${x.display}${out.unicode})`, latex: `(\\nabla_{${print(x.node, 'latex')}} ${out.latex})`, ascii: `(grad_${print(x.node, 'ascii')} ${out.ascii})` };
}

const nameIn = (text: string, variable?: VariableInfo): Printout =>
  variable
    ? { unicode: variable.display, latex: print(variable.node, 'latex'), ascii: print(variable.node, 'ascii') }
    : { unicode: text, latex: text, ascii: text };

/** ∂output/∂x for each x in `wrt`: matrix form (numerator layout by default) or the differential. */
export function jacobian(model: Model, wrt: readonly string[], options: SecondOrderOptions = {}): JacobianResult {
  if (wrt.length === 0) throw new ChainruleError('say which variables to differentiate with respect to', { hint: '--wrt x' });
  const layout = options.layout ?? 'numerator';
  // Each variable once (`x,x` and `W1,W₁` are refused, as the CLI's --wrt is).
  const variables = findVariables(model, wrt);
  const simplifier = new Simplifier(true);
  const p: Printing = { fold: options.expand ? (n) => n : inDefinitions(model) };
  const output = model.output.node;
  const gradients = isScalar(output.shape) ? differentiate(model, wrt, { expand: true }).derivatives : [];
  const out = outputNames(model);
  const jacobians = variables.map((variable) => {
    const gradient = gradients.find((g) => g.variable === variable)?.node;
    const map = linearMap(output, variable, directionFor(model, variable, 'differential'), simplifier, layout, p, { out, of: nameIn('', variable) }, gradient);
    return { variable, ...map };
  });
  return { model, layout, jacobians, simplifier };
}

// ---- Hessians ----------------------------------------------------------------------------------

export interface HessianBlock extends Printout {
  /** ∂²f/∂x∂y: rows follow x, columns y. */
  readonly row: VariableInfo;
  readonly col: VariableInfo;
  /** The matrix (H_ij = ∂²f/∂x_i∂y_j) when x and y are scalars or vectors. */
  readonly matrix?: Node;
  /** d(∇ₓf)[dY]: the differential of the gradient along the column variable. */
  readonly differential: Node;
  readonly direction: Node;
  /** The second differential d²f[dX, dY] = ⟨dX, d(∇ₓf)[dY]⟩, a scalar; for matrix variables the printed form. */
  readonly bilinear: Node;
  readonly kronecker?: KroneckerForm;
  readonly convention: string;
}

export interface HessianResult {
  readonly model: Model;
  /** The gradients the Hessian differentiates, simplified. */
  readonly gradients: ReadonlyMap<VariableInfo, Node>;
  /** Blocks for each pair x ≤ y in the order given (the block for y, x is the transpose). */
  readonly blocks: readonly HessianBlock[];
  readonly simplifier: Simplifier;
}

function scalarOutput(model: Model, what: string): void {
  if (!isScalar(model.output.node.shape)) {
    throw new ChainruleError(`the output is ${describeShape(model.output.node.shape)}, not a scalar; ${what} needs a scalar output`, {
      hint: 'for the derivative of a vector or matrix output use `chainrule jacobian`',
    });
  }
}

/** ∇²f: the Jacobian of the gradient, for each pair of the variables (forward-over-reverse). */
export function hessian(model: Model, wrt: readonly string[], options: SecondOrderOptions = {}): HessianResult {
  if (wrt.length === 0) throw new ChainruleError('say which variables to differentiate with respect to', { hint: '--wrt x or --wrt x,y' });
  scalarOutput(model, 'a Hessian');
  const first = differentiate(model, wrt, { expand: true });
  const simplifier = new Simplifier(true);
  const p: Printing = { fold: options.expand ? (n) => n : inDefinitions(model) };
  const gradients = new Map(first.derivatives.map((d) => [d.variable, d.node]));
  const variables = first.derivatives.map((d) => d.variable);
  const out = outputNames(model);
  const blocks: HessianBlock[] = [];
  variables.forEach((x, i) => {
    for (const y of variables.slice(i)) {
      const gx = gradients.get(x) as Node;
      const dy = directionFor(model, y, 'differential');
      const dx = x === y ? dy : directionFor(model, x, 'differential');
      const map = linearMap(gx, y, dy, simplifier, 'numerator', p, { out: gradientNames(out, variables.length === 1 ? undefined : x), of: nameIn('', y) });
      const bilinear = simplifier.simplify(innerProduct(dx, map.differential));
      const lhs = (f: Format) => secondDifferentialName(f, out[f], x, y);
      const shown = map.matrix ? { unicode: map.unicode, latex: map.latex, ascii: map.ascii } : withBilinear(map, printed(p, lhs, bilinear));
      blocks.push({ row: x, col: y, matrix: map.matrix, differential: map.differential, direction: dy, bilinear, kronecker: map.kronecker, convention: map.matrix ? 'H_ij = ∂²f/∂x_i∂y_j' : SECOND_DIFFERENTIAL + (map.kronecker ? `; ${VEC_CONVENTION}` : ''), ...shown });
    }
  });
  return { model, gradients, blocks, simplifier };
}

function withBilinear(map: LinearMap, bilinear: Printout): Printout {
  const vec = (text: string) => text.split(/\n| \\\\ /).slice(1);
  return {
    unicode: [bilinear.unicode, ...vec(map.unicode)].join('\n'),
    latex: [bilinear.latex, ...vec(map.latex)].join(' \\\\ '),
    ascii: [bilinear.ascii, ...vec(map.ascii)].join('\n'),
  };
}

function secondDifferentialName(f: Format, out: string, x: VariableInfo, y: VariableInfo): string {
  const d = (v: VariableInfo) => `${f === 'latex' ? '\\mathrm{d}' : 'd'}${print(v.node, f)}`;
  const args = `${d(x)}, ${d(y)}`;
  if (f === 'latex') return `\\mathrm{d}^2${out}[${args}] = `;
  return f === 'unicode' ? `d²${out}[${args}] = ` : `d2${out}[${args}] = `;
}

/** ⟨A, B⟩ as the notes write it: aᵀb, tr(AᵀB). */
function innerProduct(a: Node, b: Node): Node {
  if (C.isZero(b)) return C.ZERO;
  if (isScalar(a.shape)) return C.mul(a, b);
  if (isColumn(a.shape)) return C.matmul(C.transpose(a), b);
  if (a.shape.rows === 1) return C.matmul(a, C.transpose(b));
  return C.trace(C.matmul(C.transpose(a), b));
}

// ---- Hessian-vector products -------------------------------------------------------------------

export interface HessianVectorProduct extends Printout {
  readonly variable: VariableInfo;
  /** This variable's part of the direction, a variable of its shape (v, or v_x among several). */
  readonly direction: Node;
  /** (∇²f·v)ₓ = d(∇ₓf)[v] = Σ_y ∂²f/∂x∂y·v_y, simplified: x's block row of the joint Hessian times v. */
  readonly node: Node;
}

/** The joint Hessian-vector product ∇²f·v without forming the matrix: v has one part per variable
 * (v_x, v_y, …), and the product's part for x is d(∇ₓf)[v], the differential of x's gradient when
 * every variable moves along its own part, so the mixed blocks ∂²f/∂x∂y are included. */
export function hessianVectorProduct(model: Model, wrt: readonly string[], options: SecondOrderOptions = {}): { model: Model; products: HessianVectorProduct[]; simplifier: Simplifier } {
  scalarOutput(model, 'a Hessian-vector product');
  const first = differentiate(model, wrt, { expand: true });
  const simplifier = new Simplifier(true);
  const p: Printing = { fold: options.expand ? (n) => n : inDefinitions(model) };
  const variables = first.derivatives.map((d) => d.variable);
  const directions = new Map(variables.map((v) => [v.node, directionFor(model, v, 'vector', variables)]));
  const products = first.derivatives.map((d) => {
    const node = simplifier.simplify(differentialAlong(d.node, directions));
    return { variable: d.variable, direction: directions.get(d.variable.node) as Node, node, ...printed(p, () => '', node) };
  });
  return { model, products, simplifier };
}

// ---- numbers -----------------------------------------------------------------------------------

/** The index shape of a value: [] for a scalar, [n] for a vector, [m, n] for a matrix. */
export function indexShape(s: Shape, bound: Bound): number[] {
  const rows = sizeOf(s.rows, bound.dims);
  const cols = sizeOf(s.cols, bound.dims);
  if (rows === 1 && cols === 1) return [];
  if (cols === 1) return [rows];
  if (rows === 1) return [cols];
  return [rows, cols];
}

/** ∂F/∂X as a dense array over (F's entries row-major) × (X's entries row-major), from the
 * differential evaluated along each unit direction: exact for any shapes. */
export function linearMapTensor(df: Node, direction: Node, bound: Bound): Tensor {
  const rows = sizeOf(direction.shape.rows, bound.dims);
  const cols = sizeOf(direction.shape.cols, bound.dims);
  const key = direction.op === 'var' ? direction.attr.key : '';
  const symmetric = direction.op === 'var' && direction.attr.symmetric;
  const n = rows * cols;
  let out: Tensor | undefined;
  for (let j = 0; j < n; j++) {
    const unit = tensor(rows, cols);
    unit.data[j] = 1;
    // A symmetric variable's entries move in pairs: the derivative by Xᵢⱼ is taken along Eᵢⱼ + Eⱼᵢ, halved off the diagonal.
    const r = Math.floor(j / cols);
    const c = j % cols;
    if (symmetric && r !== c) {
      unit.data[j] = 0.5;
      unit.data[c * cols + r] = 0.5;
    }
    const column = evaluate(df, new Map(bound.values).set(key, unit), bound.dims);
    out ??= tensor(column.data.length, n);
    for (let i = 0; i < column.data.length; i++) out.data[i * n + j] = column.data[i];
  }
  return out as Tensor;
}

/** Nested arrays of a row-major buffer with the given index shape (a scalar when it is []). */
export function nested(data: ArrayLike<number>, dims: readonly number[], offset = 0): JsonValue | JsonNested {
  if (dims.length === 0) return data[offset];
  const stride = dims.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: dims[0] }, (_, i) => nested(data, dims.slice(1), offset + i * stride)) as JsonNested;
}

/** Nested arrays of numbers, any depth: a Jacobian of a matrix by a matrix has four indices. */
export type JsonNested = number | JsonNested[];

/** `{"jacobian": {"x": …}}`: each Jacobian shaped shape(f) × shape(x), in row-major order. */
export function jacobianValues(result: JacobianResult, bound: Bound): { value: JsonNested; jacobian: Record<string, JsonNested> } {
  const output = result.model.output.node;
  const value = evaluate(output, bound.values, bound.dims);
  const jacobianOut: Record<string, JsonNested> = {};
  for (const j of result.jacobians) {
    const t = linearMapTensor(j.differential, j.direction, bound);
    jacobianOut[j.variable.written] = nested(t.data, [...indexShape(output.shape, bound), ...indexShape(j.variable.shape, bound)]) as JsonNested;
  }
  return { value: nested(value.data, indexShape(output.shape, bound)) as JsonNested, jacobian: jacobianOut };
}

/** `{"hessian": {"x": …, "x,y": …}}`: each block shaped shape(x) × shape(y). */
export function hessianValues(result: HessianResult, bound: Bound): { value: JsonNested; hessian: Record<string, JsonNested> } {
  const value = evaluate(result.model.output.node, bound.values, bound.dims).data[0];
  const hessianOut: Record<string, JsonNested> = {};
  for (const b of result.blocks) {
    const t = linearMapTensor(b.differential, b.direction, bound);
    const key = b.row === b.col ? b.row.written : `${b.row.written},${b.col.written}`;
    hessianOut[key] = nested(t.data, [...indexShape(b.row.shape, bound), ...indexShape(b.col.shape, bound)]) as JsonNested;
  }
  return { value, hessian: hessianOut };
}

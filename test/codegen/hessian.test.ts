// Generated hessian and hvp: run in-process and imported as a module, checked against the reference
// evaluator on the symbolic Hessian and HVP, and against central differences of the generated gradient.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import type { Model } from '../../src/build/index.ts';
import { randomTensor, rng } from '../../src/check/index.ts';
import type { Compiled } from '../../src/compile.ts';
import { compileSpec, generate, moduleSpec, moduleSpecFor } from '../../src/compile.ts';
import type { Instr } from '../../src/lower/program.ts';
import { evaluate } from '../../src/eval/index.ts';
import { transpose } from '../../src/ir/construct.ts';
import type { Node } from '../../src/ir/node.ts';
import { isColumn, isScalar, SCALAR } from '../../src/ir/shape.ts';
import { hessian, hessianVectorProduct } from '../../src/jacobian/index.ts';
import { identifierFor } from '../../src/print/names.ts';
import { gradientsOf, irModel } from '../check/support.ts';
import { relative, smoothPoints } from '../jacobian/support.ts';
import { expression } from '../properties/arbitrary.ts';
import { SECOND_ORDER } from './cases.ts';
import { moduleInputs } from './support.ts';

const flat = (x: number | Float64Array): Float64Array => (typeof x === 'number' ? Float64Array.of(x) : x);

/** hessian() and hvp() of a compiled module against the reference evaluator and finite differences of its gradient. */
function check(model: Model, wrt: readonly string[], compiled: Compiled, seed: number): number {
  const blocks = hessian(model, wrt).blocks.filter((b) => b.matrix);
  const products = hessianVectorProduct(model, wrt).products;
  const random = rng(seed);
  let points = 0;
  for (const bound of smoothPoints(model, seed, 1)) {
    points++;
    const input = moduleInputs(model, bound.values);
    const hess = (compiled.hessian as NonNullable<Compiled['hessian']>)(input, bound.dims);
    for (const b of blocks) {
      const key = b.row === b.col ? identifierFor(b.row.name) : `${identifierFor(b.row.name)}_${identifierFor(b.col.name)}`;
      // Row-major over (x's entries) × (y's entries): the numerator-layout block of a matrix y, transposed back.
      const matrixColumn = !(isColumn(b.col.shape) || isScalar(b.col.shape));
      const expected = evaluate(matrixColumn ? transpose(b.matrix as Node) : (b.matrix as Node), bound.values, bound.dims).data;
      const got = flat(hess[key]);
      expect(relative(got, expected, 1e-9), `hessian ${key}`).toBeLessThan(1e-9);
      // Central differences of the generated gradient of the row variable, along the column variable.
      const rowKey = identifierFor(b.row.name);
      const colKey = identifierFor(b.col.name);
      const x = flat(input[colKey] as number | Float64Array);
      const columns = x.length;
      const fd = new Float64Array(got.length);
      for (let j = 0; j < columns; j++) {
        const h = 1e-6 * Math.max(1, Math.abs(x[j]));
        const at = (delta: number) => {
          const moved = Float64Array.from(x);
          moved[j] += delta;
          const shifted = { ...input, [colKey]: typeof input[colKey] === 'number' ? moved[0] : moved };
          return Float64Array.from(flat(compiled.valueAndGrad(shifted, bound.dims).grad[rowKey]));
        };
        const plus = at(h);
        const minus = at(-h);
        for (let i = 0; i < plus.length; i++) fd[i * columns + j] = (plus[i] - minus[i]) / (2 * h);
      }
      const floor = 1e-3 * Math.max(1, ...Array.from(flat(compiled.valueAndGrad(input, bound.dims).grad[rowKey]), Math.abs));
      expect(relative(got, fd, floor), `hessian ${key} vs differences of the generated gradient`).toBeLessThan(1e-6);
    }
    const direction: Record<string, number | Float64Array> = {};
    const values = new Map(bound.values);
    for (const p of products) {
      const v = randomTensor(p.variable.shape, bound.dims, random);
      direction[identifierFor(p.variable.name)] = v.rows === 1 && v.cols === 1 ? v.data[0] : v.data;
      values.set(p.direction.op === 'var' ? p.direction.attr.key : '', v);
    }
    const hv = (compiled.hvp as NonNullable<Compiled['hvp']>)(input, direction, bound.dims);
    for (const p of products) {
      const key = identifierFor(p.variable.name);
      expect(relative(flat(hv[key]), evaluate(p.node, values, bound.dims).data, 1e-9), `hvp ${key}`).toBeLessThan(1e-9);
    }
    // The joint product against central differences of the generated gradient, every variable moved along its part.
    const h = 1e-6;
    const moved = (sign: number) => {
      const shifted: Record<string, number | Float64Array> = { ...input };
      for (const [key, v] of Object.entries(direction)) {
        const x = input[key] as number | Float64Array;
        shifted[key] = typeof x === 'number' ? x + sign * h * (v as number) : x.map((xi, i) => xi + sign * h * (v as Float64Array)[i]);
      }
      // Copied: a module may reuse its gradient buffers from call to call.
      const grad = compiled.valueAndGrad(shifted, bound.dims).grad;
      return Object.fromEntries(Object.entries(grad).map(([k, g]) => [k, Float64Array.from(flat(g))]));
    };
    const [plus, minus] = [moved(1), moved(-1)];
    const g0 = compiled.valueAndGrad(input, bound.dims).grad;
    for (const p of products) {
      const key = identifierFor(p.variable.name);
      const fd = flat(plus[key]).map((a, i) => (a - flat(minus[key])[i]) / (2 * h));
      const floor = 1e-3 * Math.max(1, ...Array.from(flat(g0[key]), Math.abs), ...Array.from(fd, Math.abs));
      expect(relative(flat(hv[key]), fd, floor), `hvp ${key} vs differences of the generated gradient`).toBeLessThan(1e-5);
    }
  }
  return points;
}


describe('generated hessian and hvp', () => {
  for (const c of SECOND_ORDER) {
    it(`${c.expr} by ${c.wrt}: agree with the evaluator and with differences of the generated gradient`, () => {
      const model = parse(c.expr, { where: c.where });
      const diff = differentiate(model, c.wrt.split(','));
      const compiled = compileSpec(moduleSpecFor(model, diff.derivatives, { where: c.where, hessian: true }));
      expect(check(model, c.wrt.split(','), compiled, 3)).toBe(1);
    });
  }

  it('on random scalar expressions', () => {
    let checked = 0;
    fc.assert(
      fc.property(expression(SCALAR, 3, { abstract: false }), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
        const model = irModel(expr);
        const wrt = model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));
        if (wrt.length === 0) return;
        const compiled = compileSpec(moduleSpecFor(model, gradientsOf(model, wrt).map((g) => ({ variable: g.variable, node: g.simplified, unicode: '' })), { hessian: true }));
        checked += check(model, wrt.map((v) => v.display), compiled, seed);
      }),
      { numRuns: Number(process.env.RUNS ?? 60), seed: 20261201 },
    );
    expect(checked).toBeGreaterThan(20);
  });

  it('the TypeScript module exports hessian and hvp, imported and run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chainrule-hessian-'));
    const file = path.join(dir, 'h.ts');
    writeFileSync(file, generate('𝟙ᵀexp(Ax)', { wrt: ['x'], where: 'A: m×n', hessian: true }));
    const mod = (await import(pathToFileURL(file).href)) as { hessian: (i: Record<string, Float64Array>) => Record<string, Float64Array>; hvp: (i: Record<string, Float64Array>, v: Record<string, Float64Array>) => Record<string, Float64Array> };
    const A = Float64Array.of(1, 2, 3, 4, 5, 6);
    const x = Float64Array.of(0.1, -0.2);
    // Aᵀ diag(exp(Ax)) A by hand
    const e = [0, 1, 2].map((i) => Math.exp(A[2 * i] * x[0] + A[2 * i + 1] * x[1]));
    const H = [0, 1].flatMap((r) => [0, 1].map((c) => e.reduce((s, ei, i) => s + A[2 * i + r] * ei * A[2 * i + c], 0)));
    expect(Array.from(mod.hessian({ A, x }).x).map((v, i) => Math.abs(v - H[i]) < 1e-12)).toEqual([true, true, true, true]);
    const hv = mod.hvp({ A, x }, { x: Float64Array.of(1, 0) }).x;
    expect(Math.abs(hv[0] - H[0]) < 1e-12 && Math.abs(hv[1] - H[2]) < 1e-12).toBe(true);
  });
});

describe('a diagonal Hessian block ∂²f/∂x² computes one triangle and mirrors it', () => {
  // The product kernels by loop order: AᵀB (logistic regression, 𝟙ᵀexp(Ax)), AB (𝟙ᵀexp(Aᵀx),
  // log-sum-exp of Ax), and a symmetric product inside a sum (Aᵀdiag(exp(Ax))A + M + Mᵀ).
  const cases: { expr: string; where: string; wrt: string; order: string }[] = [
    { expr: '𝟙ᵀlog(𝟙 + exp(−y ⊙ (Xw)))', where: 'X: N×d', wrt: 'w', order: 'AᵀB' },
    { expr: '𝟙ᵀexp(Ax)', where: 'A: m×n', wrt: 'x', order: 'AᵀB' },
    { expr: '𝟙ᵀexp(Aᵀx)', where: 'A: n×m', wrt: 'x', order: 'AB' },
    { expr: 'log(𝟙ᵀexp(Ax))', where: 'A: m×n', wrt: 'x', order: 'AB' },
    { expr: 'xᵀMx + 𝟙ᵀexp(Ax)', where: 'A: m×n; M: n×n', wrt: 'x', order: 'AᵀB' },
    { expr: '½‖W₂tanh(W₁x) − y‖²', where: 'W₁: m×n; W₂: k×m', wrt: 'x', order: 'AB' },
  ];
  const gemms = (instrs: readonly Instr[]): Extract<Instr, { kind: 'gemm' }>[] =>
    instrs.flatMap((i) => (i.kind === 'gemm' ? [i] : i.kind === 'loop' ? [...(i.head ? [i.head] : []), ...gemms(i.body), ...gemms(i.epilogue)] : []));
  for (const c of cases) {
    it(`${c.expr}: the ${c.order} product fills j ≥ i; the imported module agrees with the evaluator and is exactly symmetric`, async () => {
      const { spec } = moduleSpec(c.expr, { wrt: c.wrt, where: c.where, hessian: true });
      const symmetric = gemms((spec.second as NonNullable<typeof spec.second>).hessianProgram.instrs).filter((g) => g.symmetric);
      expect(symmetric.length).toBeGreaterThan(0);
      const orders = symmetric.map((g) => `${!g.a.transposed || g.a.value.rows === 1 || g.a.value.cols === 1 ? 'A' : 'Aᵀ'}${g.b.transposed ? 'Bᵀ' : 'B'}`);
      expect(orders).toContain(c.order);
      const source = generate(c.expr, { wrt: [c.wrt], where: c.where, hessian: true });
      const body = source.slice(source.indexOf('export function hessian'), source.indexOf('export function hvp'));
      expect(body).toMatch(/for \(let j = i; j < \w+; j\+\+\)/);
      const dir = mkdtempSync(path.join(tmpdir(), 'chainrule-symmetric-hessian-'));
      const file = path.join(dir, 'h.ts');
      writeFileSync(file, source);
      const mod = (await import(pathToFileURL(file).href)) as { hessian: (i: Record<string, number | Float64Array>, dims?: Record<string, number>) => Record<string, Float64Array> };
      const model = parse(c.expr, { where: c.where });
      const [block] = hessian(model, [c.wrt]).blocks;
      let points = 0;
      for (const bound of smoothPoints(model, 17, 3)) {
        const H = Float64Array.from(mod.hessian(moduleInputs(model, bound.values), bound.dims)[identifierFor(block.row.name)]);
        expect(relative(H, evaluate(block.matrix as Node, bound.values, bound.dims).data, 1e-9)).toBeLessThan(1e-9);
        const n = Math.round(Math.sqrt(H.length));
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(H[i * n + j]).toBe(H[j * n + i]);
        points++;
      }
      expect(points).toBe(3);
    });
  }

  it('a mixed block ∂²f/∂x∂y is not symmetric and is computed whole', () => {
    const { spec } = moduleSpec('yᵀAx + 𝟙ᵀexp(Bx) + 𝟙ᵀexp(Cy)', { wrt: 'x,y', where: 'A: n×n; B: m×n; C: m×n', hessian: true });
    const program = (spec.second as NonNullable<typeof spec.second>).hessianProgram;
    const mixed = program.results.find((r) => r.key === 'x_y') as { value: unknown };
    expect(gemms(program.instrs).filter((g) => g.out === mixed.value && g.symmetric)).toEqual([]);
    const model = parse('yᵀAx + 𝟙ᵀexp(Bx) + 𝟙ᵀexp(Cy)', { where: 'A: n×n; B: m×n; C: m×n' });
    const compiled = compileSpec(spec);
    expect(check(model, ['x', 'y'], compiled, 5)).toBe(1);
  });
});

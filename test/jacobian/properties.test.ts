// Properties: for random well-typed expressions over every op, every Jacobian and Hessian chainrule
// prints agrees with central finite differences (of the output, and of the gradient), Hessians are
// symmetric, and Hessian-vector products agree with the Hessian times v. A symmetric variable is checked
// along symmetric directions (the last describe).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomTensor, rng } from '../../src/check/index.ts';
import type { Tensor } from '../../src/eval/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { shape, SCALAR } from '../../src/ir/shape.ts';
import { hessian, hessianVectorProduct, jacobian } from '../../src/jacobian/index.ts';
import { print } from '../../src/print/index.ts';
import { irModel } from '../check/support.ts';
import { expression } from '../properties/arbitrary.ts';
import { kroneckerInEntryOrder, linearMapTensor, matrixInEntryOrder, numericJacobian, relative, smoothPoints } from './support.ts';

const RUNS = Number(process.env.RUNS ?? 120);
const SEED = Number(process.env.SEED ?? 20261201);
const TOLERANCE = 1e-6;

const notSymmetric = (model: ReturnType<typeof irModel>) => model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));

function fail(what: string, expr: Node, detail: string): never {
  throw new Error(`${what} of ${print(expr, 'unicode')}: ${detail}`);
}

describe('Jacobians of random expressions', () => {
  for (const [label, target] of [['vector', shape('n', 1)], ['scalar', SCALAR], ['matrix', shape('n', 'm')]] as const) {
    it(`of ${label} outputs agree with finite differences: differential, matrix form and Kronecker form`, () => {
      let matrices = 0;
      let kroneckers = 0;
      fc.assert(
        fc.property(expression(target, 3), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
          const model = irModel(expr);
          const wrt = notSymmetric(model);
          if (wrt.length === 0) return;
          const result = jacobian(model, wrt.map((v) => v.display), { expand: true });
          for (const bound of smoothPoints(model, seed, 1)) {
            // Central differences carry an absolute error of about 1e-10·|f| (as in the gradient property).
            const floor = 1e-3 * Math.max(1, ...evaluate(expr, bound.values, bound.dims).data.map(Math.abs));
            for (const j of result.jacobians) {
              const numeric = numericJacobian(expr, j.variable, bound.values, bound.dims);
              const fromDifferential = linearMapTensor(j.differential, j.direction, bound);
              const e = relative(fromDifferential.data, numeric.data, floor);
              if (!(e <= TOLERANCE)) fail(`differential by ${j.variable.display}`, expr, `${j.unicode} off by ${e}`);
              const matrix = matrixInEntryOrder(j, j.variable, bound);
              if (matrix) {
                matrices++;
                const em = relative(matrix.data, numeric.data, floor);
                if (!(em <= TOLERANCE)) fail(`Jacobian by ${j.variable.display}`, expr, `${j.unicode} off by ${em}`);
              }
              const kron = kroneckerInEntryOrder(j, expr, bound);
              if (kron) {
                kroneckers++;
                const ek = relative(kron.data, numeric.data, floor);
                if (!(ek <= TOLERANCE)) fail(`Kronecker form by ${j.variable.display}`, expr, `${j.unicode} off by ${ek}`);
              }
            }
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
      // The matrix form is found for vector and scalar outputs; the vec form for some matrix outputs.
      if (label !== 'matrix') expect(matrices).toBeGreaterThan(RUNS / 2);
      else expect(kroneckers).toBeGreaterThan(0);
    });
  }
});

describe('Hessians of random scalar expressions', () => {
  it('agree with finite differences of the gradient, are symmetric, and HVPs agree with H·v', () => {
    let matrices = 0;
    fc.assert(
      fc.property(expression(SCALAR, 3), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
        const model = irModel(expr);
        const wrt = notSymmetric(model);
        if (wrt.length === 0) return;
        const names = wrt.map((v) => v.display);
        const result = hessian(model, names, { expand: true });
        const hvp = hessianVectorProduct(model, names, { expand: true });
        const random = rng(seed);
        for (const bound of smoothPoints(model, seed, 1)) {
          const denseBlocks = new Map<string, Tensor>();
          for (const b of result.blocks) {
            const gradient0 = result.gradients.get(b.row) as Node;
            const floor = 1e-3 * Math.max(1, ...evaluate(gradient0, bound.values, bound.dims).data.map(Math.abs));
            const gradient = result.gradients.get(b.row) as Node;
            const numeric = numericJacobian(gradient, b.col, bound.values, bound.dims);
            const dense = linearMapTensor(b.differential, b.direction, bound);
            const e = relative(dense.data, numeric.data, floor);
            if (!(e <= TOLERANCE)) fail(`Hessian block ${b.row.display},${b.col.display}`, expr, `${b.unicode} off by ${e}`);
            const matrix = matrixInEntryOrder(b, b.col, bound);
            if (matrix && b.matrix) {
              matrices++;
              const em = relative(matrix.data, numeric.data, floor);
              if (!(em <= TOLERANCE)) fail(`Hessian matrix ${b.row.display},${b.col.display}`, expr, `${b.unicode} off by ${em}`);
            }
            if (b.row === b.col) {
              const n = Math.round(Math.sqrt(dense.data.length));
              const transposed = Array.from(dense.data, (_, k) => dense.data[(k % n) * n + Math.floor(k / n)]);
              const es = relative(dense.data, transposed, floor);
              if (!(es <= 1e-9)) fail('Hessian symmetry', expr, `${b.unicode}: asymmetric by ${es}`);
            }
            denseBlocks.set(`${b.row.key}|${b.col.key}`, dense);
          }
          // The joint product: each variable moves along its own part v_y, and (∇²f·v)ₓ = Σ_y H_xy v_y,
          // with H_xy from the blocks (the block of y, x transposed when only that one is listed).
          const directions = new Map(hvp.products.map((p) => [p.variable, randomTensor(p.variable.shape, bound.dims, random)]));
          const values = new Map(bound.values);
          for (const p of hvp.products) values.set(p.direction.op === 'var' ? p.direction.attr.key : '', directions.get(p.variable) as Tensor);
          for (const p of hvp.products) {
            const symbolic = evaluate(p.node, values, bound.dims);
            const expected = new Float64Array(symbolic.data.length);
            for (const q of hvp.products) {
              const vy = (directions.get(q.variable) as Tensor).data;
              const direct = denseBlocks.get(`${p.variable.key}|${q.variable.key}`);
              const mirrored = denseBlocks.get(`${q.variable.key}|${p.variable.key}`) as Tensor;
              for (let i = 0; i < expected.length; i++) {
                for (let j = 0; j < vy.length; j++) expected[i] += (direct ? direct.data[i * vy.length + j] : mirrored.data[j * expected.length + i]) * vy[j];
              }
            }
            const ev = relative(symbolic.data, expected, 1e-6 * Math.max(1, ...expected.map(Math.abs)));
            if (!(ev <= 1e-8)) fail('joint Hessian-vector product', expr, `(∇²f·v)_${p.variable.display} = ${p.unicode} off by ${ev}`);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(matrices).toBeGreaterThan(RUNS / 2);
  });
});

// ---- symmetric variables -----------------------------------------------------------------------
// A symmetric S moves only along symmetric directions E = Eᵀ: the derivative is checked there, by
// central differences of the output (Jacobians) or of the gradient (Hessians) along E, where both
// sides are the derivative of the same function whatever convention the gradient of S follows.

const isSymmetricVariable = (v: { node: Node }) => v.node.op === 'var' && v.node.attr.symmetric;

/** (of(x + hE) − of(x − hE)) / 2h for a direction E of one variable. */
function directional(of: Node, key: string, direction: Tensor, bound: { values: Map<string, Tensor>; dims: Record<string, number> }, step = 1e-6): Float64Array {
  const x = bound.values.get(key) as Tensor;
  const moved = (sign: number) => evaluate(of, new Map(bound.values).set(key, { rows: x.rows, cols: x.cols, data: x.data.map((xi, i) => xi + sign * step * direction.data[i]) }), bound.dims).data;
  const plus = moved(1);
  const minus = moved(-1);
  return plus.map((p, i) => (p - minus[i]) / (2 * step));
}

const directionKey = (n: Node): string => (n.op === 'var' ? n.attr.key : '');

describe('symmetric variables in Jacobians and Hessians', () => {
  for (const [label, target] of [['vector', shape('n', 1)], ['scalar', SCALAR], ['matrix', shape('n', 'm')]] as const) {
    it(`Jacobians of ${label} outputs by a symmetric S agree with central differences along symmetric directions (differential and Kronecker form)`, () => {
      let checked = 0;
      fc.assert(
        fc.property(expression(target, 3), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
          const model = irModel(expr);
          const symmetric = model.variables.filter(isSymmetricVariable);
          fc.pre(symmetric.length > 0);
          const result = jacobian(model, symmetric.map((v) => v.display), { expand: true });
          const random = rng(seed);
          for (const bound of smoothPoints(model, seed, 1)) {
            const floor = 1e-3 * Math.max(1, ...evaluate(expr, bound.values, bound.dims).data.map(Math.abs));
            for (const j of result.jacobians) {
              expect(j.direction.op === 'var' && j.direction.attr.symmetric).toBe(true);
              const E = randomTensor(j.variable.shape, bound.dims, random, true);
              const numeric = directional(expr, j.variable.key, E, bound);
              const symbolic = evaluate(j.differential, new Map(bound.values).set(directionKey(j.direction), E), bound.dims).data;
              const e = relative(symbolic, numeric, floor);
              if (!(e <= TOLERANCE)) fail(`differential by symmetric ${j.variable.display}`, expr, `${j.unicode} off by ${e}`);
              const kron = kroneckerInEntryOrder(j, expr, bound);
              if (kron) {
                const applied = Array.from({ length: kron.rows }, (_, r) => E.data.reduce((s, ev, c) => s + kron.data[r * kron.cols + c] * ev, 0));
                const ek = relative(applied, numeric, floor);
                if (!(ek <= TOLERANCE)) fail(`Kronecker form by symmetric ${j.variable.display}`, expr, `${j.unicode} off by ${ek}`);
              }
              checked++;
            }
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
      expect(checked).toBeGreaterThan(RUNS / 2);
    });
  }

  it('Hessian blocks with a symmetric S agree with central differences of the gradient along symmetric directions; d²f[E₁, E₂] is symmetric; HVPs agree with the blocks', () => {
    let checked = 0;
    fc.assert(
      fc.property(expression(SCALAR, 3), fc.integer({ min: 1, max: 1e6 }), (expr, seed) => {
        const model = irModel(expr);
        fc.pre(model.variables.some(isSymmetricVariable));
        const names = model.variables.map((v) => v.display);
        const result = hessian(model, names, { expand: true });
        const hvp = hessianVectorProduct(model, names, { expand: true });
        const random = rng(seed);
        for (const bound of smoothPoints(model, seed, 1)) {
          // One direction per variable, symmetric for S.
          const E = new Map(model.variables.map((v) => [v.key, randomTensor(v.shape, bound.dims, random, isSymmetricVariable(v))]));
          const along = new Map<string, Float64Array>();
          for (const b of result.blocks) {
            if (!isSymmetricVariable(b.row) && !isSymmetricVariable(b.col)) continue;
            const gradient = result.gradients.get(b.row) as Node;
            const floor = 1e-3 * Math.max(1, ...evaluate(gradient, bound.values, bound.dims).data.map(Math.abs));
            const numeric = directional(gradient, b.col.key, E.get(b.col.key) as Tensor, bound);
            const symbolic = evaluate(b.differential, new Map(bound.values).set(directionKey(b.direction), E.get(b.col.key) as Tensor), bound.dims).data;
            const e = relative(symbolic, numeric, floor);
            if (!(e <= TOLERANCE)) fail(`Hessian block ${b.row.display},${b.col.display} (symmetric)`, expr, `${b.unicode} off by ${e}`);
            along.set(`${b.row.key}|${b.col.key}`, Float64Array.from(symbolic));
            checked++;
          }
          // d²f[E_x, E_y] = ⟨E_x, d(∇ₓf)[E_y]⟩ = ⟨E_y, d(∇_y f)[E_x]⟩ for the diagonal blocks of S: symmetric in its two directions.
          for (const s of model.variables.filter(isSymmetricVariable)) {
            const block = result.blocks.find((b) => b.row === s && b.col === s);
            if (!block) continue;
            const E2 = randomTensor(s.shape, bound.dims, random, true);
            const at = (d: Tensor) => evaluate(block.differential, new Map(bound.values).set(directionKey(block.direction), d), bound.dims).data;
            const E1 = E.get(s.key) as Tensor;
            const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((t, x, i) => t + x * b[i], 0);
            const lhs = dot(E1.data, at(E2));
            const rhs = dot(E2.data, at(E1));
            if (!(Math.abs(lhs - rhs) <= 1e-9 * Math.max(1, Math.abs(lhs), Math.abs(rhs)))) fail('symmetry of d²f[E₁, E₂]', expr, `${block.unicode}: ${lhs} vs ${rhs}`);
          }
          // The joint HVP along the same directions: (∇²f·v)ₓ = Σ_y d(∇ₓf)[v_y], the blocks x ≤ y listed and y > x by symmetry.
          const values = new Map(bound.values);
          for (const p of hvp.products) values.set(directionKey(p.direction), E.get(p.variable.key) as Tensor);
          for (const p of hvp.products) {
            const symbolic = evaluate(p.node, values, bound.dims).data;
            const numeric = new Float64Array(symbolic.length);
            for (const q of hvp.products) {
              const d = directional(result.gradients.get(p.variable) as Node, q.variable.key, E.get(q.variable.key) as Tensor, bound);
              for (let i = 0; i < numeric.length; i++) numeric[i] += d[i];
            }
            const ev = relative(symbolic, numeric, 1e-3 * Math.max(1, ...numeric.map(Math.abs)));
            if (!(ev <= TOLERANCE)) fail('joint Hessian-vector product (symmetric directions)', expr, `(∇²f·v)_${p.variable.display} = ${p.unicode} off by ${ev}`);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(checked).toBeGreaterThan(RUNS / 2);
  });
});

describe('a variable named twice (#18)', () => {
  it('jacobian and hessian refuse it with the error of the CLI', async () => {
    const { parse } = await import('../../src/api.ts');
    const vectorOutput = parse('Wx', { where: 'W: n×n; x: n' });
    const scalarOutput = parse('xᵀWx', { where: 'W: n×n; x: n' });
    const twice = /^x is listed twice$/;
    expect(() => jacobian(vectorOutput, ['x', 'x'])).toThrow(twice);
    expect(() => jacobian(scalarOutput, ['x', 'x'])).toThrow(twice);
    expect(() => hessian(scalarOutput, ['x', 'x'])).toThrow(twice);
    expect(() => hessianVectorProduct(scalarOutput, ['x', 'x'])).toThrow(twice);
    const indexed = parse('W₁x', { where: 'W₁: n×n; x: n' });
    expect(() => jacobian(indexed, ['W1', 'W₁'])).toThrow(/^W1 and W₁ are the same variable, W₁$/);
    try {
      jacobian(vectorOutput, ['x', 'W', 'x']);
      expect.unreachable();
    } catch (e) {
      expect((e as { hint?: string }).hint).toBe('name each variable once: --wrt x,W');
    }
    // Each once is fine.
    expect(jacobian(vectorOutput, ['x', 'W']).jacobians.length).toBe(2);
  });
});

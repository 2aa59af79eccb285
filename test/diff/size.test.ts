// No expression swell: the gradient of a deep MLP loss shares the forward DAG, so its size grows
// linearly with depth. h₀ = x, h_{k+1} = relu(W_k h_k + b_k), L = ½‖h_D − y‖²; we take ∂L/∂W_k and
// ∂L/∂b_k for every layer together (one backward pass), raw and simplified, at depths 10, 25, 50.
import { describe, expect, it } from 'vitest';
import { backward } from '../../src/diff/index.ts';
import * as C from '../../src/ir/construct.ts';
import type { Node } from '../../src/ir/node.ts';
import { dagSize } from '../../src/ir/node.ts';
import { shape } from '../../src/ir/shape.ts';
import { Simplifier } from '../../src/simplify/index.ts';
import { checkAwayFromKinks, irModel } from '../check/support.ts';

const variable = (base: string, sub: string | undefined, rows: string, cols: number | string): Node =>
  C.variable({ key: sub === undefined ? base : `${base}_${sub}`, name: sub === undefined ? { base } : { base, sub }, symmetric: false }, shape(rows, cols));

function mlp(depth: number): { loss: Node; parameters: Node[] } {
  let h = variable('x', undefined, 'n', 1);
  const parameters: Node[] = [];
  for (let k = 0; k < depth; k++) {
    const W = variable('W', String(k), 'n', 'n');
    const b = variable('b', String(k), 'n', 1);
    parameters.push(W, b);
    h = C.builtin('relu', C.add(C.matmul(W, h), b));
  }
  const residual = C.sub(h, variable('y', undefined, 'n', 1));
  return { loss: C.mul(C.num({ num: 1, den: 2 }), C.pow(C.norm(residual, '2'), 2)), parameters };
}

function gradientSizes(depth: number) {
  const { loss, parameters } = mlp(depth);
  const pass = backward(loss, parameters);
  const raw = parameters.map((p) => pass.gradients.get(p) as Node);
  const simplifier = new Simplifier();
  const simplified = raw.map((g) => simplifier.simplify(g));
  return { forward: dagSize([loss]), raw: dagSize([loss, ...raw]), simplified: dagSize([loss, ...simplified]), loss, parameters, gradients: simplified };
}

describe('gradient size of a deep MLP', () => {
  const sizes = new Map([10, 25, 50].map((d) => [d, gradientSizes(d)]));

  it('grows linearly with depth (raw and simplified, counted with the forward DAG they share)', () => {
    for (const kind of ['forward', 'raw', 'simplified'] as const) {
      const [s10, s25, s50] = [10, 25, 50].map((d) => (sizes.get(d) as ReturnType<typeof gradientSizes>)[kind]);
      // Nodes per layer between depths: the same slope from 10→25 as from 25→50 means linear.
      const slopeLow = (s25 - s10) / 15;
      const slopeHigh = (s50 - s25) / 25;
      expect(Math.abs(slopeHigh - slopeLow), `${kind}: ${s10}, ${s25}, ${s50} nodes`).toBeLessThanOrEqual(0.05 * slopeLow);
      // …and small: a handful of nodes per layer and per gradient, not a copy of the network each.
      expect(slopeHigh, `${kind} nodes per layer`).toBeLessThan(40);
    }
  });

  it('the 50-layer gradients are at most a small multiple of the forward graph', () => {
    const s = sizes.get(50) as ReturnType<typeof gradientSizes>;
    expect(s.simplified).toBeLessThan(4 * s.forward);
  });

  it('the 10-layer gradients agree with finite differences', () => {
    const s = sizes.get(10) as ReturnType<typeof gradientSizes>;
    const model = irModel(s.loss);
    const byKey = new Map(model.variables.map((v) => [v.node, v]));
    const gradients = s.parameters.map((p, i) => ({ variable: byKey.get(p) as (typeof model.variables)[number], node: s.gradients[i] }));
    const result = checkAwayFromKinks(model, gradients, { points: 2, seed: 3 });
    expect(result.points).toBe(2);
    expect(result.error, result.detail).toBeLessThan(1e-6);
  });
});

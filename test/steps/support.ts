// Shared by the steps, graph and key tests: the sample problem files, and numeric checks of a
// derivation against the reference evaluator and finite differences.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findVariable, parse } from '../../src/api.ts';
import type { Model, VariableInfo } from '../../src/build/index.ts';
import { finiteDifference, randomDims, randomValues, relativeError, rng } from '../../src/check/index.ts';
import type { Layout } from '../../src/diff/index.ts';
import type { Tensor } from '../../src/eval/index.ts';
import { evaluate, transposeTensor } from '../../src/eval/index.ts';
import { numericJacobian } from '../../src/jacobian/check.ts';
import * as C from '../../src/ir/construct.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Computation, Sheet } from '../../src/key/index.ts';
import { parseSheet } from '../../src/key/index.ts';
import type { Derivation, Step } from '../../src/steps/index.ts';
import { derive, substitute } from '../../src/steps/index.ts';

export const SAMPLES = join(import.meta.dirname, '../../samples');

export function sampleSheets(): Sheet[] {
  return readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort().map((f) => parseSheet(f, readFileSync(join(SAMPLES, f), 'utf8')));
}

/** Every computation of every sample, labelled `sheet problem(part)`. */
export function sampleComputations(): { label: string; computation: Computation }[] {
  const out: { label: string; computation: Computation }[] = [];
  for (const s of sampleSheets()) {
    for (const p of s.problems) {
      for (const q of p.parts) q.compute.forEach((c, i) => out.push({ label: `${s.sheet} ${p.id}${q.id ? `(${q.id})` : ''}${q.compute.length > 1 ? ` #${i + 1}` : ''}`, computation: c }));
    }
  }
  return out;
}

export function deriveComputation(c: Computation, layout: Layout = c.layout): { model: Model; variables: VariableInfo[]; d: Derivation } {
  const model = parse(c.expr, { where: c.where, of: c.of });
  const variables = (c.wrt.length ? c.wrt : model.variables.map((v) => v.display)).map((w) => findVariable(model, w));
  return { model, variables, d: derive(model, variables, { layout }) };
}

const TOLERANCE = 1e-5;

/** The output written as a function of one step's symbol: every other step inlined. */
function outputAsFunctionOf(d: Derivation, keep: Node): Node {
  const inlined = new Map<Node, Node>();
  for (const s of d.grouping.steps) {
    if (s.symbol === keep) continue;
    inlined.set(s.symbol, substitute(s.expr, inlined));
  }
  const root = d.grouping.steps[d.grouping.steps.length - 1];
  return root.symbol === keep ? keep : substitute(root.expr, inlined);
}

/** (G + Gᵀ)/2: a symmetric intermediate's gradient is only defined up to its antisymmetric part. */
const symmetrize = (t: Tensor): Tensor => ({ rows: t.rows, cols: t.cols, data: t.data.map((x, i) => (x + t.data[(i % t.cols) * t.cols + Math.floor(i / t.cols)]) / 2) });

export interface Mismatch {
  readonly what: string;
  readonly error: number;
}

/**
 * Checks a derivation numerically at random points: every forward step (its printed definition,
 * evaluated, is the IR node's value), every backward line (against central differences of the
 * output with respect to that step or variable, and against the whole-graph backward pass),
 * every chain-rule product (they sum to the line), and every local derivative.
 */
export function checkDerivation(model: Model, d: Derivation, points = 2, seed = 7): Mismatch[] {
  const bad: Mismatch[] = [];
  const random = rng(seed);
  const numerator = d.layout === 'numerator';
  const inLayout = (t: Tensor): Tensor => (numerator ? transposeTensor(t) : t);
  for (let point = 0; point < points; point++) {
    const dims = randomDims(model, random);
    const values = randomValues(model.variables, dims, random);
    const value = (n: Node): Tensor => evaluate(d.expand(n), values, dims);
    const compare = (what: string, got: Tensor, want: Tensor) => {
      const error = relativeError(got, want);
      if (!(error <= TOLERANCE)) bad.push({ what, error });
    };
    // Values of every step symbol, so step-level expressions evaluate directly too.
    const withSteps = new Map(values);
    for (const s of d.grouping.steps) withSteps.set((s.symbol as Extract<Node, { op: 'var' }>).attr.key, evaluate(s.node, values, dims));

    for (const f of d.forward) compare(`forward ${f.step.name.base}${f.step.name.sub ?? ''}`, evaluate(f.step.expr, withSteps, dims), evaluate(f.step.node, values, dims));

    const lineOf = new Map(d.backward.map((l) => [l.symbol, l]));
    for (const line of d.backward) {
      const label = `∂/∂${line.name.base}${line.name.sub ?? ''}${line.name.index ? `(${line.name.index})` : ''}`;
      const result = evaluate(line.result, withSteps, dims);
      compare(`${label} result vs accumulated`, result, inLayout(value(line.raw)));
      const whole = d.pass.adjoints.get(line.node);
      if (whole) compare(`${label} vs whole-graph backward`, inLayout(evaluate(whole, values, dims)), result);
      // Central differences of the output with respect to this step (or variable).
      const wrt = line.symbol as Extract<Node, { op: 'var' }>;
      const output = outputAsFunctionOf(d, line.symbol);
      const symmetric = wrt.attr.symmetric;
      const numeric = finiteDifference(output, { key: wrt.attr.key, node: wrt } as VariableInfo, withSteps, dims);
      const analytic = inLayout(result);
      compare(`${label} vs finite differences`, symmetric ? symmetrize(analytic) : analytic, numeric);
      // The chain-rule products, each over its upstream symbol, add up to the line.
      if (line.terms.length) {
        const upstreamValues = new Map<Node, Node>();
        for (const [symbol, step] of d.upstream) {
          const up = lineOf.get(step.symbol);
          // Products show ∂L/∂c in the layout asked for: as is, or (numerator layout) transposed.
          if (up) upstreamValues.set(symbol, numerator ? C.transpose(up.raw) : up.raw);
        }
        const sum = C.add(...line.terms.map((t) => substitute(t.product, upstreamValues)));
        compare(`${label} chain-rule products`, value(sum), inLayout(value(line.raw)));
      }
      for (const t of line.terms) {
        if (!t.local || (line.symbol.op === 'var' && line.symbol.attr.symmetric)) continue;
        checkLocal(t.via, line.symbol, t.local, withSteps, dims, numerator, (what, got, want) => compare(`${label} local via ${t.via.name.base}${t.via.name.sub ?? ''} ${what}`, got, want));
      }
    }
  }
  return bad;
}

/**
 * ∂c/∂u against central differences of c's definition: the whole Jacobian J (J_ij = ∂c_i/∂u_j),
 * compared with the local as the layout writes it (numerator: J; gradient: Jᵀ).
 */
function checkLocal(via: Step, u: Node, local: Node, values: Map<string, Tensor>, dims: Record<string, number>, numerator: boolean, compare: (what: string, got: Tensor, want: Tensor) => void): void {
  const wrt = u as Extract<Node, { op: 'var' }>;
  const jacobian = numericJacobian(via.expr, { key: wrt.attr.key, node: wrt } as VariableInfo, values, dims);
  const analytic = evaluate(local, values, dims);
  compare('', analytic, numerator ? jacobian : transposeTensor(jacobian));
}

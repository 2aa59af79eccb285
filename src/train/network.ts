// The network of the EECS 189 notebook, ŷ = W₂ relu(W₁x + b₁) + b₂ on scalar inputs, written once in
// chainrule's input language. A minibatch is a row of inputs X (1×B): W₁X + b₁𝟙ᵀ is then h×B, one
// column per example, so the same program gives the loss of a batch, the learned function on a
// plotting grid (Ŷ), and every unit's output (the rows of H).
import { parse } from '../api.ts';
import type { Model } from '../build/index.ts';
import { internalError } from '../errors.ts';
import type { Tensor } from '../eval/index.ts';
import { evaluateAll, tensor } from '../eval/index.ts';
import type { Node } from '../ir/node.ts';

export const NETWORK_SOURCE = [
  'H = relu(W₁X + b₁𝟙ᵀ)     # hidden units: row i is unit i, column j is example j',
  'Ŷ = W₂H + b₂𝟙ᵀ           # the network output for each example',
  'L = ½‖Ŷ − Y‖²/B          # half the mean squared error over the minibatch',
].join('\n');

export const NETWORK_WHERE = 'W₁: h; b₁: h; W₂: 1×h; b₂: scalar; X: 1×B; Y: 1×B';

/** The parameters, keyed as the generated code names them (`W₁` → `W1`). */
export const PARAMETER_NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];
export const LAST_LAYER: readonly ParameterName[] = ['W2', 'b2'];

export interface Params {
  /** h slopes of the first layer (W₁ is h×1). */
  readonly W1: Float64Array;
  readonly b1: Float64Array;
  /** h output weights (W₂ is 1×h). */
  readonly W2: Float64Array;
  b2: number;
}

export const units = (p: Params): number => p.W1.length;

export const copyParams = (p: Params): Params => ({ W1: p.W1.slice(), b1: p.b1.slice(), W2: p.W2.slice(), b2: p.b2 });

/**
 * The notebook's initialization: each unit's elbow e ~ U[0, 1] (so every unit bends inside the data)
 * with first-layer slope W₁ ~ U(−1, 1) and b₁ = −W₁e; the output layer as PyTorch's nn.Linear
 * initializes it, U(−1/√h, 1/√h).
 */
export function initialParams(h: number, random: () => number): Params {
  const W1 = new Float64Array(h);
  const b1 = new Float64Array(h);
  const W2 = new Float64Array(h);
  const bound = 1 / Math.sqrt(h);
  for (let i = 0; i < h; i++) {
    W1[i] = 2 * random() - 1;
    b1[i] = -W1[i] * random();
    W2[i] = bound * (2 * random() - 1);
  }
  return { W1, b1, W2, b2: bound * (2 * random() - 1) };
}

/** Unit i bends where W₁ᵢx + b₁ᵢ = 0: its elbow is at x = −b₁ᵢ/W₁ᵢ. */
export const elbow = (p: Params, i: number): number => -p.b1[i] / p.W1[i];

/**
 * Unit i adds W₂ᵢ·relu(W₁ᵢx + b₁ᵢ) to ŷ: past its elbow (on the side where it is active) the slope of
 * ŷ changes by W₂ᵢW₁ᵢ.
 */
export const slope = (p: Params, i: number): number => p.W2[i] * p.W1[i];

/** Unit i is active to the right of its elbow when W₁ᵢ > 0, to the left when W₁ᵢ < 0. */
export const facesRight = (p: Params, i: number): boolean => p.W1[i] > 0;

export interface Readout {
  /** ŷ at each x. */
  readonly yHat: Float64Array;
  /** unitOutputs[i][j] = W₂ᵢ·relu(W₁ᵢxⱼ + b₁ᵢ): unit i's contribution to ŷ at xⱼ (they sum to ŷ − b₂). */
  readonly unitOutputs: Float64Array[];
}

/**
 * The network program parsed once; evaluates its definitions (Ŷ, H) with the reference evaluator, so
 * what is plotted is the function the loss was written for, not a second hand-written copy of it.
 */
export class Network {
  readonly model: Model;
  private readonly hidden: Node;
  private readonly output: Node;

  constructor() {
    this.model = parse(NETWORK_SOURCE, { where: NETWORK_WHERE });
    const definition = (display: string): Node => {
      const d = this.model.definitions.find((x) => x.display === display);
      if (!d) throw internalError(`the network program has no definition ${display}`);
      return d.node;
    };
    this.hidden = definition('H');
    this.output = definition('Ŷ');
  }

  /** The reference evaluator's variable values for these parameters and a batch. */
  values(p: Params, x: Float64Array, y?: Float64Array): Map<string, Tensor> {
    const h = units(p);
    const values = new Map<string, Tensor>([
      ['W_1', tensor(h, 1, p.W1)],
      ['b_1', tensor(h, 1, p.b1)],
      ['W_2', tensor(1, h, p.W2)],
      ['b_2', tensor(1, 1, [p.b2])],
      ['X', tensor(1, x.length, x)],
    ]);
    if (y) values.set('Y', tensor(1, y.length, y));
    return values;
  }

  dims(p: Params, batch: number): Record<string, number> {
    return { h: units(p), B: batch };
  }

  readout(p: Params, x: Float64Array): Readout {
    const all = evaluateAll([this.hidden, this.output], this.values(p, x), this.dims(p, x.length));
    const H = all.get(this.hidden) as Tensor;
    const yHat = (all.get(this.output) as Tensor).data;
    const unitOutputs = Array.from({ length: units(p) }, (_, i) => H.data.slice(i * x.length, (i + 1) * x.length).map((v) => p.W2[i] * v));
    return { yHat, unitOutputs };
  }
}

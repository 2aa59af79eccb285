// Where the loss and its gradient come from. Training runs on the code chainrule generates from
// NETWORK_SOURCE (`compile`); the reference pipeline (parse → differentiate → evaluate) computes the
// same numbers slowly, and tests hold the two against each other.
import { differentiate } from '../api.ts';
import type { CompiledInputs } from '../compile.ts';
import { compile } from '../compile.ts';
import type { Node } from '../ir/node.ts';
import { evaluate } from '../eval/index.ts';
import type { Network, ParameterName, Params } from './network.ts';
import { NETWORK_SOURCE, NETWORK_WHERE } from './network.ts';

/** A minibatch and the parameters, named as the generated module names its inputs. */
export interface NetworkInputs {
  W1: Float64Array;
  b1: Float64Array;
  W2: Float64Array;
  b2: number;
  X: Float64Array;
  Y: Float64Array;
}

export interface LossAndGradient {
  readonly value: number;
  readonly grad: Readonly<Partial<Record<ParameterName, number | Float64Array>>>;
}

/** L = ½·mean squared error of a batch, and ∂L/∂θ for the trained parameters θ. */
export interface LossKernel {
  /** The trained parameters, in the order of `grad`. */
  readonly wrt: readonly ParameterName[];
  /** The loss of a batch of any size. */
  value(inputs: NetworkInputs): number;
  /** Loss and gradient of a batch of the size the kernel was made for. */
  valueAndGrad(inputs: NetworkInputs): LossAndGradient;
}

export const inputsOf = (p: Params, X: Float64Array, Y: Float64Array): NetworkInputs => ({ W1: p.W1, b1: p.b1, W2: p.W2, b2: p.b2, X, Y });

/** The reference evaluator on the symbolic gradient: the oracle, far too slow to train with. */
export function referenceKernel(network: Network, wrt: readonly ParameterName[]): LossKernel {
  const result = differentiate(network.model, wrt);
  const gradients: [ParameterName, Node][] = result.derivatives.map((d, i) => [wrt[i], d.node]);
  const loss = network.model.output.node;
  const at = (inputs: NetworkInputs) => {
    const p: Params = { W1: inputs.W1, b1: inputs.b1, W2: inputs.W2, b2: inputs.b2 };
    return { values: network.values(p, inputs.X, inputs.Y), dims: network.dims(p, inputs.X.length) };
  };
  return {
    wrt,
    value: (inputs) => {
      const { values, dims } = at(inputs);
      return evaluate(loss, values, dims).data[0];
    },
    valueAndGrad: (inputs) => {
      const { values, dims } = at(inputs);
      const grad: Partial<Record<ParameterName, number | Float64Array>> = {};
      for (const [name, node] of gradients) {
        const g = evaluate(node, values, dims).data;
        grad[name] = name === 'b2' ? g[0] : g;
      }
      return { value: evaluate(loss, values, dims).data[0], grad };
    },
  };
}

/**
 * The generated gradient code for the network: one module specialized to h units and the batch
 * size (the training step), one with the batch size left free (the train/test error of any set).
 * Each is compiled once and reused: V8 specializes a generated function while it is the only one.
 */
export function generatedKernel(units: number, batchSize: number, wrt: readonly ParameterName[]): LossKernel {
  const step = compile(NETWORK_SOURCE, { wrt, where: NETWORK_WHERE, dims: { h: units, B: batchSize } });
  const anyBatch = compile(NETWORK_SOURCE, { wrt, where: NETWORK_WHERE, dims: { h: units } });
  return {
    wrt,
    // A batch of the training size runs the specialized module, so finite differences through
    // `value` and backprop through `valueAndGrad` time the same code.
    value: (inputs) =>
      inputs.X.length === batchSize ? step.value(inputs as unknown as CompiledInputs) : anyBatch.value(inputs as unknown as CompiledInputs, { B: inputs.X.length }),
    valueAndGrad: (inputs) => step.valueAndGrad(inputs as unknown as CompiledInputs) as LossAndGradient,
  };
}

// Results over scaled definitions. The fold (ir/fold.ts) puts a definition's name back where its
// operands stand together; but simplifying merges scalars, so after x̂ = (x − μ𝟙)/√(v + ε) the result
// holds (wᵀ(x − μ𝟙))(x − μ𝟙)/(v + ε), where no x̂ stands whole. A definition d = s·u, a scalar s times a
// tensor u, gives u = s⁻¹d; writing u so and simplifying lets the scalars cancel:
// (wᵀ(x − μ𝟙))(x − μ𝟙)/(v + ε) = (wᵀx̂)x̂, as Ioffe and Szegedy write the batch-norm backward pass.
// The rewrite is kept only when it prints shorter; it changes no value where d is defined (s ≠ 0).
import * as C from '../ir/construct.ts';
import type { DefinitionFolder, FoldedDefinition, Folder } from '../ir/fold.ts';
import { substitute } from '../ir/fold.ts';
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { isScalar } from '../ir/shape.ts';
import { print } from '../print/index.ts';
import { Simplifier } from './index.ts';

/** d = s₁⋯sₖu as u = s₁⁻¹⋯sₖ⁻¹d, for a definition whose let-form is scalars times a compound tensor. */
function scaledOperand(d: FoldedDefinition): { operand: Node; inTermsOfSymbol: Node } | undefined {
  const { scalars, rest } = C.splitScalars(d.expr);
  const symbolic = scalars.filter((f) => f.op !== 'const');
  if (symbolic.length === 0 || rest.args.length === 0 || isScalar(rest.shape)) return undefined;
  // s must not itself contain u (u = s(u)⁻¹d would only move u around).
  if (topoSort(scalars).includes(rest)) return undefined;
  return { operand: rest, inTermsOfSymbol: C.mulAll([...scalars.map((f) => C.pow(f, -1)), d.symbol]) };
}

const printedLength = (n: Node): number => [...print(n, 'unicode').replace(/\s+/g, '')].length;

/** The folder, then: each scaled definition whose tensor part stands in the folded result rewrites
 * it over the definition's name, when that prints shorter. */
export function refoldScaled(folder: DefinitionFolder): Folder {
  const scaled = folder.definitions.map(scaledOperand).filter((s) => s !== undefined);
  if (scaled.length === 0) return folder;
  return (node, options) => {
    let best = folder(node, options);
    if (options?.keepRoot) return best;
    let present = new Set(topoSort([best]));
    for (const { operand, inTermsOfSymbol } of scaled) {
      if (!present.has(operand)) continue;
      const candidate = folder(new Simplifier().simplify(substitute(best, new Map([[operand, inTermsOfSymbol]]))));
      if (printedLength(candidate) < printedLength(best)) {
        best = candidate;
        present = new Set(topoSort([best]));
      }
    }
    return best;
  };
}

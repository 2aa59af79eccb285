// Identities from The Matrix Cookbook (Petersen & Pedersen, version of November 15, 2012), sections
// 2.1 (determinant), 2.2 (inverse), 2.4 (vector and matrix forms, quadratic forms), 2.5 (trace)
// and 2.6 (norms). Every identity is checked numerically against central finite differences; those
// with a `textbook` form are also checked by the printed result: the simplified Unicode is the
// textbook form, or the same expression up to the order of sum terms and scalar factors (compared
// as IR, the textbook form parsed with the same declarations) and no longer.
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients } from '../../src/check/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { memoize } from '../../src/ir/node.ts';
import { isScalar } from '../../src/ir/shape.ts';

interface Identity {
  /** Section of the Cookbook: 2.1 determinant, 2.2 inverse, 2.4 linear and quadratic forms, 2.5 trace, 2.6 norms. */
  readonly section: string;
  readonly expression: string;
  readonly wrt: string;
  /** The Cookbook's right-hand side, in our notation; omitted when it needs rules we do not have
   * (pseudo-inverses, matrix powers written Xᵏ, inverse distributed over a product). */
  readonly textbook?: string;
  readonly where?: string;
  /** Sizes to hold fixed (the others are drawn from 2 to 5). */
  readonly dims?: Readonly<Record<string, number>>;
}

const SQUARE = 'A, B, C, D, X: n×n; a, b, c, d, s, x: n';
const WEIGHTED = `${SQUARE}; W: n×n symmetric`;

const IDENTITIES: readonly Identity[] = [
  // 2.1 Derivatives of a determinant
  { section: '2.1', expression: '|X|', wrt: 'X', textbook: '|X|(X⁻¹)ᵀ' },
  { section: '2.1', expression: '|AXB|', wrt: 'X' },
  { section: '2.1', expression: '|XᵀAX|', wrt: 'X', where: 'X: n×m; A: n×n', dims: { m: 2 } }, // m ≤ n, else XᵀAX is singular
  { section: '2.1', expression: 'log|X|', wrt: 'X', textbook: '(X⁻¹)ᵀ' },
  { section: '2.1', expression: 'log|XᵀX|', wrt: 'X', where: 'X: n×m', dims: { m: 2 }, textbook: '2X(XᵀX)⁻¹' }, // m ≤ n, else XᵀX is singular
  { section: '2.1', expression: 'log|XᵀX|', wrt: 'X', textbook: '2X⁻ᵀ' }, // square X: (XᵀX)⁻¹ = X⁻¹X⁻ᵀ cancels
  { section: '2.1', expression: '|XX|', wrt: 'X' },
  { section: '2.2', expression: '|X⁻¹|', wrt: 'X', textbook: '−|X⁻¹|(X⁻¹)ᵀ' },
  { section: '2.1', expression: 'log|X⁻¹|', wrt: 'X', textbook: '−(X⁻¹)ᵀ' },
  { section: '2.1', expression: 'log|αX|', wrt: 'X', where: `${SQUARE}; α: scalar`, textbook: '(X⁻¹)ᵀ' },
  { section: '2.1', expression: 'log|αA|', wrt: 'α', where: `${SQUARE}; α: scalar`, textbook: 'nα⁻¹' },
  // 2.2 Derivatives of an inverse
  { section: '2.2', expression: 'aᵀX⁻¹b', wrt: 'X', textbook: '−(X⁻¹)ᵀabᵀ(X⁻¹)ᵀ' },
  { section: '2.2', expression: 'tr(AX⁻¹B)', wrt: 'X' },
  { section: '2.2', expression: 'tr(X⁻¹A)', wrt: 'X', textbook: '−(X⁻¹)ᵀAᵀ(X⁻¹)ᵀ' },
  { section: '2.2', expression: 'tr((X + A)⁻¹)', wrt: 'X' },
  { section: '2.2', expression: 'tr(X⁻¹)', wrt: 'X' },
  // 2.4.1 First order: linear forms
  { section: '2.4', expression: 'xᵀa', wrt: 'x', textbook: 'a' },
  { section: '2.4', expression: 'aᵀx', wrt: 'x', textbook: 'a' },
  { section: '2.4', expression: 'aᵀXb', wrt: 'X', textbook: 'abᵀ' },
  { section: '2.4', expression: 'aᵀXᵀb', wrt: 'X', textbook: 'baᵀ' },
  { section: '2.4', expression: 'aᵀXa', wrt: 'X', textbook: 'aaᵀ' },
  // 2.4.2 Second order: quadratic forms
  { section: '2.4', expression: 'bᵀXᵀXc', wrt: 'X', textbook: 'X(bcᵀ + cbᵀ)' },
  { section: '2.4', expression: '(Bx + b)ᵀC(Dx + d)', wrt: 'x', textbook: 'BᵀC(Dx + d) + DᵀCᵀ(Bx + b)' },
  { section: '2.4', expression: 'xᵀBx', wrt: 'x', textbook: '(B + Bᵀ)x' },
  { section: '2.4', expression: 'bᵀXᵀDXc', wrt: 'X', textbook: 'DᵀXbcᵀ + DXcbᵀ' },
  { section: '2.4', expression: '(Xb + c)ᵀD(Xb + c)', wrt: 'X', textbook: '(D + Dᵀ)(Xb + c)bᵀ' },
  { section: '2.4', expression: '(x − As)ᵀW(x − As)', wrt: 's', where: WEIGHTED, textbook: '−2AᵀW(x − As)' },
  { section: '2.4', expression: '(x − s)ᵀW(x − s)', wrt: 'x', where: WEIGHTED, textbook: '2W(x − s)' },
  { section: '2.4', expression: '(x − s)ᵀW(x − s)', wrt: 's', where: WEIGHTED, textbook: '−2W(x − s)' },
  { section: '2.4', expression: '(x − As)ᵀW(x − As)', wrt: 'x', where: WEIGHTED, textbook: '2W(x − As)' },
  { section: '2.4', expression: '(x − As)ᵀW(x − As)', wrt: 'A', where: WEIGHTED, textbook: '−2W(x − As)sᵀ' },
  // 2.5.1 Trace, first order
  { section: '2.5', expression: 'tr(X)', wrt: 'X', textbook: 'I' },
  { section: '2.5', expression: 'tr(XA)', wrt: 'X', textbook: 'Aᵀ' },
  { section: '2.5', expression: 'tr(AX)', wrt: 'X', textbook: 'Aᵀ' },
  { section: '2.5', expression: 'tr(AXB)', wrt: 'X', textbook: 'AᵀBᵀ' },
  { section: '2.5', expression: 'tr(AXᵀB)', wrt: 'X', textbook: 'BA' },
  { section: '2.5', expression: 'tr(XᵀA)', wrt: 'X', textbook: 'A' },
  { section: '2.5', expression: 'tr(AXᵀ)', wrt: 'X', textbook: 'A' },
  // 2.5.2 Trace, second order
  { section: '2.5', expression: 'tr(XX)', wrt: 'X', textbook: '2Xᵀ' },
  { section: '2.5', expression: 'tr(XXB)', wrt: 'X' },
  { section: '2.5', expression: 'tr(XᵀBX)', wrt: 'X', textbook: '(B + Bᵀ)X' },
  { section: '2.5', expression: 'tr(BXXᵀ)', wrt: 'X', textbook: '(B + Bᵀ)X' },
  { section: '2.5', expression: 'tr(XXᵀB)', wrt: 'X', textbook: '(B + Bᵀ)X' },
  { section: '2.5', expression: 'tr(XBXᵀ)', wrt: 'X', textbook: 'X(B + Bᵀ)' },
  { section: '2.5', expression: 'tr(BXᵀX)', wrt: 'X', textbook: 'X(B + Bᵀ)' },
  { section: '2.5', expression: 'tr(XᵀXB)', wrt: 'X', textbook: 'X(B + Bᵀ)' },
  { section: '2.5', expression: 'tr(AXBX)', wrt: 'X', textbook: 'AᵀXᵀBᵀ + BᵀXᵀAᵀ' },
  { section: '2.5', expression: 'tr(XᵀX)', wrt: 'X', textbook: '2X' },
  { section: '2.5', expression: 'tr(BᵀXᵀCXB)', wrt: 'X', textbook: '(C + Cᵀ)XBBᵀ' },
  { section: '2.5', expression: 'tr(XᵀBXC)', wrt: 'X', textbook: 'BXC + BᵀXCᵀ' },
  { section: '2.5', expression: 'tr(AXBXᵀC)', wrt: 'X', textbook: 'AᵀCᵀXBᵀ + CAXB' },
  { section: '2.5', expression: 'tr((AXB + C)(AXB + C)ᵀ)', wrt: 'X', textbook: '2Aᵀ(AXB + C)Bᵀ' },
  { section: '2.5', expression: 'tr(XXX)', wrt: 'X', textbook: '3XᵀXᵀ' },
  // 2.6 Norms (and the Frobenius norm as a trace, eq. 115)
  { section: '2.6', expression: '‖x − a‖', wrt: 'x' },
  { section: '2.6', expression: '‖x‖²', wrt: 'x', textbook: '2x' },
  { section: '2.6', expression: 'xᵀx', wrt: 'x', textbook: '2x' },
  { section: '2.5', expression: '‖X‖_F²', wrt: 'X', textbook: '2X' },
  { section: '2.6', expression: '‖X‖_F', wrt: 'X' },
  { section: '2.6', expression: '‖Ax − b‖²', wrt: 'x', textbook: '2Aᵀ(Ax − b)' },
  { section: '2.5', expression: '‖AXB − C‖_F²', wrt: 'X', textbook: '2Aᵀ(AXB − C)Bᵀ' },
];

/** A key equal for nodes that differ only in the order of sum terms, of scalar factors, and of ⊙ factors. */
const orderFreeKey: (n: Node) => string = memoize((n) => {
  const keys = n.args.map(orderFreeKey);
  switch (n.op) {
    case 'add':
    case 'hadamard':
      return `${n.op}(${[...keys].sort().join(',')})`;
    case 'mul': {
      const scalars = keys.filter((_, i) => isScalar(n.args[i].shape) && !(i === n.args.length - 1 && !isScalar(n.shape)));
      const rest = isScalar(n.shape) ? '' : keys[keys.length - 1];
      return `mul(${scalars.sort().join(',')}|${rest})`;
    }
    default:
      return `${n.op}:${JSON.stringify(n.attr)}:${n.shape.rows}x${n.shape.cols}(${keys.join(',')})`;
  }
});

const compact = (s: string): string => s.replace(/\s+/g, '');
const symbols = (s: string): number => [...compact(s)].length;

describe('The Matrix Cookbook', () => {
  it('has at least 40 identities, at least 15 of them with a textbook form', () => {
    expect(IDENTITIES.length).toBeGreaterThanOrEqual(40);
    expect(IDENTITIES.filter((i) => i.textbook).length).toBeGreaterThanOrEqual(15);
  });

  for (const identity of IDENTITIES) {
    const where = identity.where ?? SQUARE;
    const title = `§${identity.section} ∂/∂${identity.wrt} ${identity.expression}`;

    it(`${title} agrees with finite differences`, () => {
      const model = parse(identity.expression, { where });
      const [d] = differentiate(model, [identity.wrt]).derivatives;
      const [check] = checkGradients(model, [{ variable: d.variable, node: d.node }], { points: 3, seed: 5, dims: identity.dims });
      expect(check.points).toBe(3);
      expect(check.relativeError, `${d.unicode}`).toBeLessThan(1e-6);
    });

    const textbook = identity.textbook;
    if (textbook === undefined) continue;
    it(`${title} = ${textbook}`, () => {
      const model = parse(identity.expression, { where });
      const [d] = differentiate(model, [identity.wrt]).derivatives;
      if (compact(d.unicode) === compact(textbook)) return;
      // Not character for character: the same terms and factors in another order, and no longer.
      const expected = parse(textbook, { where }).output.node;
      expect(orderFreeKey(d.node), `${d.unicode} is not ${textbook} up to order`).toBe(orderFreeKey(expected));
      expect(symbols(d.unicode), `${d.unicode} is longer than ${textbook}`).toBeLessThanOrEqual(symbols(textbook));
    });
  }
});

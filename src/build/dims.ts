// Dimension terms for inference: union-find over unknowns, bound to sizes (`3`) or symbols (`n`).
// Each binding remembers where it came from, so a contradiction can say "n (declared) vs m (from Wx)".
import { ChainruleError } from '../errors.ts';
import type { Span } from '../syntax/ast.ts';

export interface DimTerm {
  parent?: DimTerm;
  value?: number | string;
  /** Why it has this value: `declared`, `from Wx`. */
  origin?: string;
  /** A vector's length or a matrix side: never 1, or a vector would silently become a scalar. */
  nonUnit?: boolean;
}

export const fresh = (): DimTerm => ({ nonUnit: true });
export const fixed = (value: number | string, origin: string): DimTerm => ({ value, origin });
export const ONE_DIM: DimTerm = { value: 1, origin: 'a scalar' };

export function find(t: DimTerm): DimTerm {
  let root = t;
  while (root.parent) root = root.parent;
  while (t.parent) {
    const next: DimTerm = t.parent;
    t.parent = root;
    t = next;
  }
  return root;
}

export const valueOf = (t: DimTerm): number | string | undefined => find(t).value;
export const isOne = (t: DimTerm): boolean => valueOf(t) === 1;
export const showDim = (t: DimTerm): string => String(valueOf(t) ?? '?');

/** Makes a and b the same dimension, or returns the two values that clash. */
export function unify(a: DimTerm, b: DimTerm): undefined | { left: DimTerm; right: DimTerm } {
  const ra = find(a);
  const rb = find(b);
  if (ra === rb) return undefined;
  if (ra.value !== undefined && rb.value !== undefined) return ra.value === rb.value ? undefined : { left: ra, right: rb };
  if ((ra.value === 1 && rb.nonUnit) || (rb.value === 1 && ra.nonUnit)) return { left: ra, right: rb };
  if (ra.value !== undefined) rb.parent = ra;
  else {
    ra.parent = rb;
    rb.nonUnit = rb.nonUnit || ra.nonUnit;
  }
  return undefined;
}

export function unifyOrFail(a: DimTerm, b: DimTerm, span: Span, describe: (left: string, right: string) => string, hint?: string): void {
  const clash = unify(a, b);
  if (clash) {
    const show = (t: DimTerm): string => `${t.value ?? 'a free size'}${t.origin ? ` (${t.origin})` : ''}`;
    const left = show(clash.left);
    const right = show(clash.right);
    throw new ChainruleError(describe(left, right), { span, hint });
  }
}

// Exact constants: ½ stays ½ through differentiation and simplification (2·½ → 1 exactly).
// Falls back to a float when numerator or denominator would leave the safe-integer range.

export interface Rational {
  readonly num: number;
  /** Positive; 1 for integers and for inexact floats. */
  readonly den: number;
}

const gcd = (a: number, b: number): number => {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
};

const safe = (x: number): boolean => Number.isSafeInteger(x);

export function rational(num: number, den = 1): Rational {
  if (den === 0) return { num: num === 0 ? NaN : num > 0 ? Infinity : -Infinity, den: 1 };
  if (!safe(num) || !safe(den)) return { num: num / den, den: 1 };
  if (den < 0) [num, den] = [-num, -den];
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

export const isExact = (r: Rational): boolean => safe(r.num) && safe(r.den);
export const toNumber = (r: Rational): number => r.num / r.den;
export const isInteger = (r: Rational): boolean => r.den === 1 && Number.isInteger(r.num);

export const add = (a: Rational, b: Rational): Rational =>
  isExact(a) && isExact(b) ? rational(a.num * b.den + b.num * a.den, a.den * b.den) : rational(toNumber(a) + toNumber(b));
export const mul = (a: Rational, b: Rational): Rational =>
  isExact(a) && isExact(b) ? rational(a.num * b.num, a.den * b.den) : rational(toNumber(a) * toNumber(b));
export const neg = (a: Rational): Rational => ({ num: -a.num, den: a.den });
export const reciprocal = (a: Rational): Rational => rational(a.den, a.num);

/** a^k for integer k stays exact; other exponents give a float. */
export function pow(a: Rational, k: Rational): Rational {
  if (isInteger(k) && isExact(a) && Math.abs(k.num) <= 64) {
    const p = rational(a.num ** Math.abs(k.num), a.den ** Math.abs(k.num));
    return k.num < 0 ? reciprocal(p) : p;
  }
  return rational(toNumber(a) ** toNumber(k));
}

/** Parses a decimal literal exactly: `0.25` → 1/4, `1e-4` → 1/10000, `2.5e3` → 2500 (a float when
 * numerator or denominator would leave the safe-integer range). */
export function fromDecimal(text: string): Rational {
  const match = /^(-?)(\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null || (match[2] === '' && match[3] === undefined)) return rational(Number(text));
  const [, sign, whole, frac = '', exponent = '0'] = match;
  const shift = Number(exponent) - frac.length;
  const digits = Number(`${sign}${whole}${frac}`);
  if (!safe(digits) || Math.abs(shift) > 15) return rational(Number(text));
  const scale = 10 ** Math.abs(shift);
  return shift >= 0 ? (safe(digits * scale) ? rational(digits * scale) : rational(Number(text))) : rational(digits, scale);
}

export const ratKey = (r: Rational): string => (r.den === 1 ? `${r.num}` : `${r.num}/${r.den}`);
export const ZERO = rational(0);
export const ONE = rational(1);

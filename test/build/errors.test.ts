// Bad input: one clear message, pointing at the offending text, with a hint where one is known.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import { ChainruleError, formatError } from '../../src/errors.ts';

interface Case {
  readonly input: string;
  readonly where?: string;
  /** A fragment of the message. */
  readonly message: RegExp;
  /** The text the caret must start under (its first occurrence in the input), if any. */
  readonly at?: string;
  readonly hint?: RegExp;
}

const CASES: Case[] = [
  // shapes
  { input: '‖x‖ + x²', where: 'x: n', message: /x is a vector of n, so x² is ambiguous/, at: 'x²', hint: /‖x‖², xᵀx or x ⊙ x/ },
  { input: 'Wx − x', where: 'W: n×m; x: m', message: /different shapes|≠|n .*m/, at: 'Wx − x' },
  { input: 'Ax', where: 'A: h×m; x: n', message: /cannot multiply A \(h×m\) by x \(a vector of n\): inner dimensions m \(declared for A\) and n \(declared for x\) differ/, at: 'Ax' },
  { input: 'xy', where: 'x, y: n', message: /cannot multiply x/, at: 'xy', hint: /inner product write xᵀy/ },
  { input: 'x + α', where: 'x: n; α: scalar', message: /x is a vector of n but α is a scalar/, at: 'x + α', hint: /c𝟙/ },
  { input: 'A + B', where: 'A: n×m; B: m×n', message: /different shapes/, at: 'A + B' },
  { input: '|x|', where: 'x: n', message: /\|x\| of a vector/, at: '|x|', hint: /‖x‖/ },
  { input: '|A|', where: 'A: n×m', message: /not square/, at: '|A|' },
  { input: 'tr(A)', where: 'A: n×m', message: /tr needs a square matrix/, at: 'tr(A)' },
  { input: 'tr(x)', where: 'x: n', message: /tr needs a square matrix, but x is a vector/, at: 'tr(x)', hint: /sum\(x\)/ },
  { input: 'A⁻¹', where: 'A: n×m', message: /not square/, at: 'A⁻¹' },
  { input: 'x/y', where: 'x: n; y: n', message: /cannot divide by y/, at: 'y' },
  { input: 'A/B', where: 'A, B: n×n', message: /cannot divide by B/, at: 'B', hint: /inverse/ },
  { input: 'x^α', where: 'x: n', message: /ambiguous/, at: 'x^α' },
  { input: 'softmax(α)', where: 'α: scalar', message: /softmax takes a vector or a matrix, but α is a scalar/, at: 'softmax(α)', hint: /softmax of a single number is 1/ },
  { input: 'logsumexp(A)', where: 'A: n×n', message: /logsumexp takes a vector/, at: 'logsumexp(A)' },
  { input: 'max(x)', where: 'x: n', message: /max takes two arguments/, at: 'max(x)', hint: /logsumexp/ },
  { input: 'max(x, y)', where: 'x: n; y: m', message: /different shapes/ },
  { input: '‖X‖₂', where: 'X: n×m', message: /spectral norm/, hint: /Frobenius/ },
  { input: 'x ⊙ y', where: 'x: n; y: m', message: /different shapes/ },
  { input: '𝟙[x > y]', where: 'x: n; y: m', message: /different shapes/ },
  { input: 'W', where: 'W: n×n symmetric; W: n×m', message: /declared twice|symmetric/ },
  { input: 'K', where: 'K: n×m symmetric', message: /declared symmetric but is n×m/ },
  // names and definitions
  { input: 'y = z + 1; z = 2', message: /z is used before it is defined/, at: 'z', hint: /move the line/ },
  { input: 'f(x) = x²; f', message: /f is a function/, at: 'f', hint: /f\(/ },
  { input: 'f(x) = x²; f(1, 2)', message: /f takes 1 argument, not 2/, at: 'f(1, 2)' },
  { input: 'f(x) = f(x); f(1)', message: /calls itself/ },
  { input: 'Φ', where: 'Φ: elementwise', message: /declared as a function/, at: 'Φ' },
  { input: 'Φ(x, y)', where: 'Φ: elementwise', message: /elementwise and takes one argument/ },
  { input: 'f(x)', where: 'f: function; x: n', message: /takes scalar arguments, but x is a vector/ },
  { input: 'y(a, b) + y', message: /y is a variable, not a function/ },
  { input: 'σ′(x)', message: /σ′ is written out/, hint: /σ\(z\)\(1 − σ\(z\)\)/ },
  { input: 'xy', message: /the shape of [xy] is ambiguous: it could be a (scalar|vector|matrix) or a (scalar|vector|matrix)/, at: 'x', hint: /declare it/ },
  { input: 'z = 1', where: 'z: n', message: /declared as a variable and also defined/ },
];

function errorOf(c: Case): ChainruleError {
  try {
    parse(c.input, { where: c.where });
  } catch (e) {
    if (e instanceof ChainruleError) return e;
    throw e;
  }
  throw new Error(`no error for ${c.input}`);
}

describe('semantic errors', () => {
  for (const c of CASES) {
    it(`${c.input}${c.where ? ` where ${c.where}` : ''}`, () => {
      const e = errorOf(c);
      expect(e.kind).toBe('input');
      expect(e.message).toMatch(c.message);
      if (c.hint) expect(e.hint).toMatch(c.hint);
      if (c.at) {
        expect(e.span, 'the error points at the input').toBeDefined();
        const source = e.source ?? c.input;
        expect(source.slice(e.span?.start, e.span?.end).startsWith(c.at) || source.slice(e.span?.start).startsWith(c.at)).toBe(true);
        // The caret line sits under the offending text.
        const lines = formatError(e).split('\n');
        const caret = lines[2];
        expect(caret.indexOf('^') - 2).toBe([...source.slice(0, e.span?.start)].length - source.lastIndexOf('\n', (e.span?.start ?? 0) - 1) - 1);
      }
    });
  }
});

describe('the rendered error', () => {
  it('names line and column, shows the line and a caret, then the hint', () => {
    const e = errorOf({ input: 'L = ‖x‖ + x²', where: 'x: n', message: /./ });
    expect(formatError(e)).toBe(
      ['error: x is a vector of n, so x² is ambiguous (1:11)', '  L = ‖x‖ + x²', '            ^^', 'hint: did you mean ‖x‖², xᵀx or x ⊙ x?'].join('\n'),
    );
  });
  it('points into the --where text when the declaration is at fault', () => {
    const e = errorOf({ input: 'K', where: 'K: n×m symmetric', message: /./ });
    expect(e.source).toBe('K: n×m symmetric');
  });
});

describe('huge and deeply nested input', () => {
  it('a 1 MB sum builds, differentiates and simplifies', async () => {
    const { differentiate } = await import('../../src/api.ts');
    const source = Array.from({ length: 250_000 }, () => 'x').join('+');
    const model = parse(source, { where: 'x: scalar' });
    const [d] = differentiate(model, ['x']).derivatives;
    expect(d.unicode).toBe('250000'); // the quadratic version ran for minutes and hit the test timeout
  });
  it('10 000 nested parentheses are a clear error, not a crash', () => {
    const e = errorOf({ input: `${'('.repeat(10_000)}x${')'.repeat(10_000)}`, message: /./ });
    expect(e.message).toMatch(/nested too deeply/);
  });
});

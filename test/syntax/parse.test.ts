import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChainruleError } from '../../src/errors.ts';
import { nameKey, type BuiltinFunction, type Declaration, type Expr, type Name, type Relation } from '../../src/syntax/ast.ts';
import { MAX_NESTING, parseDeclarations, parseExpression, parseProgram } from '../../src/syntax/parse.ts';

// ─── Helpers ───────────────────────────────────────────────────────────────────────────────────

/** The tree without source locations, for comparing what was parsed rather than where. */
function stripSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSpans);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'span' && key !== 'targetSpan')
      .map(([key, child]) => [key, stripSpans(child)]),
  );
}

const tree = (source: string) => stripSpans(parseExpression(source));

// Expected trees, built without spans.
const name = (base: string, parts: Omit<Name, 'base'> = {}): Expr => ({ kind: 'name', name: { base, ...parts } }) as unknown as Expr;
const num = (text: string): Expr => ({ kind: 'number', text }) as unknown as Expr;
const ones = { kind: 'ones' } as unknown as Expr;
const binary = (op: 'add' | 'sub' | 'mul' | 'div' | 'hadamard' | 'hadamardDiv' | 'solve') => (left: Expr, right: Expr): Expr =>
  ({ kind: 'binary', op, left, right }) as unknown as Expr;
const add = binary('add');
const sub = binary('sub');
const mul = binary('mul');
const div = binary('div');
const had = binary('hadamard');
const neg = (arg: Expr): Expr => ({ kind: 'neg', arg }) as unknown as Expr;
const pow = (base: Expr, exponent: Expr): Expr => ({ kind: 'power', base, exponent }) as unknown as Expr;
const T = (arg: Expr): Expr => ({ kind: 'transpose', arg }) as unknown as Expr;
const norm = (arg: Expr, normKind?: '2' | 'F'): Expr => ({ kind: 'norm', arg, ...(normKind ? { normKind } : {}) }) as unknown as Expr;
const bars = (arg: Expr): Expr => ({ kind: 'bars', arg }) as unknown as Expr;
const call = (builtin: BuiltinFunction, args: Expr[], primes = 0): Expr =>
  ({ kind: 'call', callee: { builtin }, primes, args }) as unknown as Expr;
const apply = (callee: Name, args: Expr[], primes = 0): Expr => ({ kind: 'call', callee: { name: callee }, primes, args }) as unknown as Expr;
const indicator = (relation: Relation, left: Expr, right: Expr): Expr => ({ kind: 'indicator', relation, left, right }) as unknown as Expr;
const indexSum = (index: string, body: Expr, lower?: Expr, upper?: Expr): Expr =>
  ({ kind: 'indexSum', index, body, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) }) as unknown as Expr;

const [W, x, y, z, A, b, K] = ['W', 'x', 'y', 'z', 'A', 'b', 'K'].map((base) => name(base));

/** Every spelling parses to the expected tree. */
function expectSpellings(spellings: string[], expected: Expr) {
  for (const spelling of spellings) expect(tree(spelling), spelling).toEqual(expected);
}

/** Parsing `source` fails with a message containing `fragment`, the caret at `start`. */
function expectError(source: string, fragment: string, start: number, parse: (source: string) => unknown = parseProgram) {
  let error: unknown;
  try {
    parse(source);
  } catch (caught) {
    error = caught;
  }
  expect(error, `${JSON.stringify(source)} should not parse`).toBeInstanceOf(ChainruleError);
  const { message, span, kind } = error as ChainruleError;
  expect(message).toContain(fragment);
  expect(kind).toBe('input');
  expect(span?.start, `caret of ${JSON.stringify(source)}: ${message}`).toBe(start);
  return error as ChainruleError;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seeds = JSON.parse(readFileSync(path.resolve(repoRoot, 'test/fixtures/seeds.json'), 'utf8')) as {
  problems: { id: string; source?: string; where?: string }[];
};

// ─── LANGUAGE.md: every row, in Unicode, ASCII and LaTeX ───────────────────────────────────────

describe('LANGUAGE.md spellings build the same tree', () => {
  it('product', () => {
    expectSpellings(['Wx', 'W x', 'W*x', 'W·x', 'W⋅x', 'W \\cdot x', 'W \\times x', '\\mathbf{W}\\mathbf{x}', '𝐖𝐱'], mul(W, x));
    expectSpellings(['αAAᵀ', 'alpha*A*A\'', 'alpha A A^T', '\\alpha A A^\\top'], mul(mul(name('α'), A), T(A)));
  });

  it('Hadamard product', () => {
    expectSpellings(['x ⊙ y', 'x ∘ y', 'x .* y', 'x.*y', 'x \\odot y', 'x \\circ y'], had(x, y));
  });

  it('division', () => {
    expectSpellings(['x/y', 'x / y', 'x ÷ y', '\\frac{x}{y}', '\\frac x y'], div(x, y));
  });

  it('fraction constants', () => {
    expectSpellings(['½', '1/2', '\\frac12', '\\frac{1}{2}', '\\tfrac{1}{2}', '\\dfrac{1}{2}', '\\tfrac12'], div(num('1'), num('2')));
    expectSpellings(['⅓', '1/3', '\\frac13'], div(num('1'), num('3')));
    expectSpellings(['¾x', '3/4 x', '\\frac34 x'], mul(div(num('3'), num('4')), x));
  });

  it('transpose', () => {
    expectSpellings(
      ['Aᵀ', 'A⊤', "A'", 'A^T', 'A^{T}', 'A^\\top', 'A^{\\top}', 'A^{\\mathsf T}', 'A^{\\mathsf{T}}', 'A^\\intercal', 'A^⊤'],
      T(A),
    );
    expectSpellings(['xᵀAx', "x'*A*x", 'x^\\top A x'], mul(mul(T(x), A), x));
  });

  it('inverse', () => {
    expectSpellings(['A⁻¹', 'A^-1', 'A^{-1}', 'A^(-1)', 'A**-1'], pow(A, neg(num('1'))));
    expectSpellings(['inv(A)', 'inv A'], call('inv', [A]));
  });

  it('power', () => {
    expectSpellings(['x²', 'x^2', 'x^{2}', 'x**2', 'x ^ 2'], pow(x, num('2')));
    expectSpellings(['x³', 'x^3', 'x^{3}'], pow(x, num('3')));
    expectSpellings(['xⁿ', 'x^n', 'x^{n}'], pow(x, name('n')));
    expectSpellings(['x⁻²', 'x^-2', 'x^{-2}'], pow(x, neg(num('2'))));
    expectSpellings(['xⁿ⁺¹', 'x^(n+1)', 'x^{n+1}', 'x^{n + 1}'], pow(x, add(name('n'), num('1'))));
    expectSpellings(['x¹⁰', 'x^10', 'x^{10}'], pow(x, num('10')));
  });

  it('norm', () => {
    expectSpellings(['‖x‖', '∥x∥', '||x||', 'norm(x)', '\\|x\\|', '\\lVert x\\rVert', '\\left\\| x \\right\\|', '\\Vert x \\Vert'], norm(x));
    expectSpellings(['‖x‖₂', '‖x‖_2', '‖x‖_{2}', 'norm(x, 2)', '\\|x\\|_2', '\\left\\| x \\right\\|_2'], norm(x, '2'));
    expectSpellings(
      ['‖X‖_F', '‖X‖_{F}', "norm(X, 'fro')", 'norm(X, "fro")', '\\|X\\|_F', '\\left\\| X \\right\\|_{\\mathrm{F}}', '\\lVert X \\rVert_\\text{F}'],
      norm(name('X'), 'F'),
    );
    expectSpellings(['‖x‖²', 'norm(x)^2', '\\|x\\|^2', '\\lVert x\\rVert^{2}', '||x||^2'], pow(norm(x), num('2')));
    expectSpellings(['‖x‖₂²', '‖x‖_2^2', 'norm(x, 2)^2', '\\left\\| x \\right\\|_2^2'], pow(norm(x, '2'), num('2')));
  });

  it('bars', () => {
    expectSpellings(['|x|', '\\left| x \\right|', '\\lvert x\\rvert', '\\vert x \\vert', '\\left\\lvert x \\right\\rvert', '∣x∣'], bars(x));
    expectSpellings(['abs(x)', 'abs x'], call('abs', [x]));
    expectSpellings(['det(A)', 'det A', '\\det A', '\\det(A)', '\\det\\left(A\\right)', '\\operatorname{det}(A)'], call('det', [A]));
  });

  it('functions', () => {
    expectSpellings(['log(x)', 'log x', 'ln(x)', 'ln x', '\\log x', '\\log(x)', '\\ln x', '\\log{x}', '\\operatorname{log}(x)'], call('log', [x]));
    expectSpellings(['exp(x)', 'exp x', '\\exp(x)', '\\exp x'], call('exp', [x]));
    expectSpellings(['sqrt(x)', '√x', '√(x)', '\\sqrt{x}', '\\sqrt x'], call('sqrt', [x]));
    expectSpellings(['σ(z)', 'sigma(z)', 'sigmoid(z)', 'sigmoid z', '\\sigma(z)', '\\sigma\\left(z\\right)', '\\sigma (z)', '\\operatorname{sigmoid}(z)'], call('σ', [z]));
    expectSpellings(['tanh(z)', 'tanh z', '\\tanh z', '\\tanh(z)'], call('tanh', [z]));
    expectSpellings(['relu(z)', 'ReLU(z)', '\\operatorname{ReLU}(z)', '\\mathrm{relu}(z)'], call('relu', [z]));
    expectSpellings(['softplus(z)', '\\operatorname{softplus}(z)'], call('softplus', [z]));
    expectSpellings(['tr(A)', 'trace(A)', 'tr A', '\\operatorname{tr}(A)', '\\mathrm{tr}(A)', '\\operatorname{tr} A', '\\tr A', '\\operatorname{Tr}(A)'], call('tr', [A]));
    expectSpellings(['logdet(K)', '\\operatorname{logdet}(K)', 'logdet K'], call('logdet', [K]));
    expectSpellings(['max(x, y)', '\\max(x, y)', 'max(x,y)'], call('max', [x, y]));
    expectSpellings(['min(x, y)', '\\min(x, y)'], call('min', [x, y]));
    expectSpellings(['sum(x)', '∑x', '\\sum x'], call('sum', [x]));
    expectSpellings(['diag(x)', '\\operatorname{diag}(x)', '\\diag(x)'], call('diag', [x]));
    expectSpellings(['softmax(z)', '\\operatorname{softmax}(z)'], call('softmax', [z]));
    expectSpellings(['log_softmax(z)', 'logsoftmax(z)', '\\operatorname{log\\_softmax}(z)', '\\operatorname{logsoftmax}(z)', '\\mathrm{log\\_softmax}(z)', '\\operatorname{log_softmax}(z)'], call('logsoftmax', [z]));
    expectSpellings(['log softmax(z)', '\\log \\operatorname{softmax}(z)'], call('log', [call('softmax', [z])]));
    expectSpellings(['logsumexp(z)', '\\operatorname{logsumexp}(z)'], call('logsumexp', [z]));
  });

  it('abstract elementwise functions', () => {
    expectSpellings(['Φ(z)', 'Phi(z)', '\\Phi(z)'], apply({ base: 'Φ' }, [z]));
    expectSpellings(['φ(z)', 'phi(z)', 'varphi(z)', '\\phi(z)', '\\varphi(z)', 'ϕ(z)', '\\phi (z)'], apply({ base: 'φ' }, [z]));
    expectSpellings(['f(x)', '\\mathrm{f}(x)'], apply({ base: 'f' }, [x]));
    expectSpellings(["φ′(z)", "phi'(z)", "\\phi'(z)", '\\phi^{\\prime}(z)', '\\phi^\\prime(z)'], apply({ base: 'φ' }, [z], 1));
    expectSpellings(['Φ″(z)', "Phi''(z)", "\\Phi''(z)", 'Φ′′(z)'], apply({ base: 'Φ' }, [z], 2));
    expectSpellings(["σ′(z)", "sigma'(z)", "\\sigma'(z)"], call('σ', [z], 1));
  });

  it('identity, ones and zero', () => {
    expectSpellings(['I', '\\mathbf{I}', '\\mathbf I', '\\mathbb{I}'], name('I'));
    expectSpellings(['𝟙', '𝟏', 'ones', '\\mathbf{1}', '\\mathbb{1}', '\\bm{1}', '\\boldsymbol{1}'], ones);
    expectSpellings(['0', '\\mathbf{0}', '𝟎'], num('0'));
    expectSpellings(['𝟙ᵀx', "ones'*x", '\\mathbf{1}^\\top x'], mul(T(ones), x));
  });

  it('Greek names', () => {
    const greek: [string, string, string][] = [
      ['α', 'alpha', '\\alpha'], ['β', 'beta', '\\beta'], ['γ', 'gamma', '\\gamma'], ['λ', 'lambda', '\\lambda'],
      ['σ', 'sigma', '\\sigma'], ['θ', 'theta', '\\theta'], ['μ', 'mu', '\\mu'], ['ε', 'epsilon', '\\varepsilon'],
      ['η', 'eta', '\\eta'], ['π', 'pi', '\\pi'], ['Σ', 'Sigma', '\\Sigma'], ['Φ', 'Phi', '\\Phi'], ['ω', 'omega', '\\omega'],
    ];
    for (const [unicode, ascii, latex] of greek) expectSpellings([unicode, ascii, latex], name(unicode));
    expectSpellings(['ℓ', '\\ell'], name('ℓ'));
    expectSpellings(['ε', '\\epsilon', 'ϵ'], name('ε'));
  });

  it('decorated names', () => {
    expectSpellings(['W₁', 'W_1', 'W1', 'W_{1}', '\\mathbf{W}_1', '\\mathbf{W_1}'], name('W', { sub: '1' }));
    expectSpellings(['W₁₂', 'W_{12}', 'W12', 'W_12'], name('W', { sub: '12' }));
    expectSpellings(['W⁽¹⁾', 'W^(1)', 'W^{(1)}', '\\mathbf{W}^{(1)}', 'W^{ (1) }'], name('W', { index: '1' }));
    expectSpellings(['x⁽ⁱ⁾', 'x^{(i)}'], name('x', { index: 'i' }));
    expectSpellings(['ŷ', 'y\u0302', 'y_hat', '\\hat{y}', '\\hat y', '\\widehat{y}'], name('y', { accent: 'hat' }));
    expectSpellings(['x̄', '\\bar{x}', 'x_bar', '\\overline{x}'], name('x', { accent: 'bar' }));
    expectSpellings(['x̃', '\\tilde{x}', 'x_tilde', '\\widetilde{x}'], name('x', { accent: 'tilde' }));
    expectSpellings(['xᵢ', 'x_i', 'x_{i}'], name('x', { sub: 'i' }));
    expectSpellings(['L_reg', 'L_{reg}', '\\mathcal{L}_{reg}', '\\mathcal{L}_{\\text{reg}}', 'ℒ_reg'], name('L', { sub: 'reg' }));
    expectSpellings(['W₁⁽²⁾', 'W_1^(2)', 'W_1^{(2)}'], name('W', { sub: '1', index: '2' }));
    expectSpellings(['ŷ₁', 'y_hat_1', '\\hat{y}_1'], name('y', { accent: 'hat', sub: '1' }));
    expectSpellings(['θ_α', 'theta_alpha', '\\theta_{\\alpha}'], name('θ', { sub: 'α' }));
  });

  it('indexed sum', () => {
    const body = apply({ base: 'φ' }, [add(mul(T(name('w', { sub: 'i' })), x), name('b', { sub: 'i' }))]);
    expectSpellings(
      ['∑ᵢ φ(wᵢᵀx + bᵢ)', '\\sum_i \\phi(w_i^\\top x + b_i)', "sum_i(phi(w_i'x + b_i))", '\\sum_{i} \\varphi(\\mathbf{w}_i^T \\mathbf{x} + b_i)', '∑_i φ(w_iᵀx + b_i)'],
      indexSum('i', body),
    );
    expectSpellings(
      ['∑_{i=1}^{n} x_i', '\\sum_{i=1}^n x_i', '\\sum\\limits_{i = 1}^{n} x_i', '∑ᵢ₌₁ⁿ xᵢ', 'sum_{i=1}^n(x_i)'],
      indexSum('i', name('x', { sub: 'i' }), num('1'), name('n')),
    );
  });

  it('indicator', () => {
    expectSpellings(['𝟙[z > 0]', 'ind(z > 0)', '\\mathbb{1}[z>0]', '\\mathbb{1}\\{z > 0\\}', '\\mathbb{1}_{z > 0}', '𝟙(z > 0)'], indicator('>', z, num('0')));
    expectSpellings(['𝟙[z ≥ 0]', 'ind(z >= 0)', '\\mathbb{1}[z \\geq 0]', '\\mathbb{1}[z \\ge 0]', '𝟙[z ⩾ 0]'], indicator('≥', z, num('0')));
    expectSpellings(['𝟙[z < 0]', 'ind(z < 0)', '\\mathbb{1}[z \\lt 0]'], indicator('<', z, num('0')));
    expectSpellings(['𝟙[z ≤ 0]', 'ind(z <= 0)', '\\mathbb{1}[z \\leq 0]'], indicator('≤', z, num('0')));
  });
});

// ─── Precedence and grouping ──────────────────────────────────────────────────────────────────

describe('MATLAB and NumPy ASCII (#12)', () => {
  const entrywisePow = (base: Expr, exponent: Expr): Expr => ({ kind: 'power', base, exponent, elementwise: true }) as unknown as Expr;
  const X = name('X');
  const B = name('B');
  it('@ is the matrix product, .T the transpose', () => {
    expectSpellings(['A @ x', 'A@x', 'A*x', 'Ax'], mul(A, x));
    expectSpellings(['A @ B @ x', 'A@B@x'], mul(mul(A, B), x));
    expectSpellings(['X.T', "X'", 'Xᵀ'], T(X));
    expectSpellings(['X.T @ y', "X'*y"], mul(T(X), y));
    expectSpellings(['(A + B).T', "(A + B)'"], T(add(A, B)));
    expectSpellings(['x.T @ A @ x'], mul(mul(T(x), A), x));
  });
  it('A\\b is the solve A⁻¹b; a LaTeX command after a backslash stays a command', () => {
    expectSpellings(['A\\b', 'A \\ b', 'A\t\\ b'], binary('solve')(A, b));
    expectSpellings(['A\\(b + x)', 'A \\ (b + x)'], binary('solve')(A, add(b, x)));
    expectSpellings(["b'*(A\\b)"], mul(T(b), binary('solve')(A, b)));
    expectSpellings(['A\\beta'], mul(A, name('β')));
    expectSpellings(['A\\ b', 'A\\,b'], mul(A, b)); // LaTeX spacing, no blank before the backslash
    expectSpellings(['A*B\\x'], binary('solve')(mul(A, B), x)); // one level, left to right, as in MATLAB
  });
  it('norm2(x) is the 2-norm', () => {
    expectSpellings(['norm2(x)', 'norm(x, 2)', '‖x‖₂'], norm(x, '2'));
    expectSpellings(['norm2(W*x - b)^2'], pow(norm(sub(mul(W, x), b), '2'), num('2')));
    expectError("norm2(x, 'fro')", 'norm2 is the 2-norm', 0);
  });
  it('.^, ^∘ and ^{\\circ …} are entrywise powers; ./ is entrywise division', () => {
    expectSpellings(['x.^2', 'x .^ 2', 'x^∘2', 'x^∘²', 'x^{\\circ 2}', 'x^{∘2}'], entrywisePow(x, num('2')));
    expectSpellings(['x.^(-1)', 'x.^-1', 'x^∘⁻¹', 'x^{\\circ -1}'], entrywisePow(x, neg(num('1'))));
    expectSpellings(['(y - x).^2', '(y − x)^∘²'], entrywisePow(sub(y, x), num('2')));
    expectSpellings(["ones'*(y - x).^2", '𝟙ᵀ(y − x)^∘²'], mul(T(ones), entrywisePow(sub(y, x), num('2'))));
    expectSpellings(['x ./ y', 'x./y'], binary('hadamardDiv')(x, y));
    expectSpellings(['x.^2 ./ y'], binary('hadamardDiv')(entrywisePow(x, num('2')), y));
  });
});

describe('precedence', () => {
  const cases: [string, Expr][] = [
    ['a + b·c', add(name('a'), mul(name('b'), name('c')))],
    ['a − b − c', sub(sub(name('a'), name('b')), name('c'))],
    ['a - b + c', add(sub(name('a'), name('b')), name('c'))],
    ['a/b·c', mul(div(name('a'), name('b')), name('c'))],
    ['a/bc', div(name('a'), mul(name('b'), name('c')))],
    ['AB ⊙ CD', had(mul(name('A'), name('B')), mul(name('C'), name('D')))],
    ['1/2 x', mul(div(num('1'), num('2')), x)],
    ['x⊙y·z', mul(had(x, y), z)],
    ['x + y⊙z', add(x, had(y, z))],
    ['−x²', neg(pow(x, num('2')))],
    ['-x^2', neg(pow(x, num('2')))],
    ['−2(y − z)', neg(mul(num('2'), sub(y, z)))],
    ['−γ/2·log|K|', neg(mul(div(name('γ'), num('2')), call('log', [bars(K)])))],
    ['−γ/2 · log|αAAᵀ + β⁻¹I|', neg(mul(div(name('γ'), num('2')), call('log', [bars(add(mul(mul(name('α'), A), T(A)), mul(pow(name('β'), neg(num('1'))), name('I'))))])))],
    ['a − −b', sub(name('a'), neg(name('b')))],
    ['a * -b', mul(name('a'), neg(name('b')))],
    ['--x', neg(neg(x))],
    ['Aᵀx', mul(T(A), x)],
    ['A⁻¹ᵀ', T(pow(A, neg(num('1'))))],
    ['(AB)ᵀ', T(mul(A, name('B')))],
    ["(y - Xw)'(y - Xw)", mul(T(sub(y, mul(name('X'), name('w')))), sub(y, mul(name('X'), name('w'))))],
    ['(a+b)(c+d)', mul(add(name('a'), name('b')), add(name('c'), name('d')))],
    ['2^-x', pow(num('2'), neg(x))],
    ['e^{x}y', mul(pow(name('e'), x), y)],
    ['e^xy', mul(pow(name('e'), x), y)],
    // Towers are right-associative (#18); a transpose after an exponent marks the whole power.
    ['x^y^z', pow(x, pow(y, z))],
    ['x**y**z', pow(x, pow(y, z))],
    ['x^{y}^{z}', pow(x, pow(y, z))],
    ['A^{-1}^T', T(pow(A, neg(num('1'))))],
    ['A^2^T', T(pow(A, num('2')))],
    // Scientific notation is a number (#18); e with a subscript is a name.
    ['1e-4x', mul(num('1e-4'), x)],
    ['2.5E+3x', mul(num('2.5e+3'), x)],
    ['3e−2', num('3e-2')],
    ['2e₃', mul(num('2'), name('e', { sub: '3' }))],
    ['2e_3', mul(num('2'), name('e', { sub: '3' }))],
    ['2e', mul(num('2'), name('e'))],
    ['2e - 4', sub(mul(num('2'), name('e')), num('4'))],
    // A bracketed call keeps the brackets' meaning for the postfix after it (#18).
    ['(x(y))²', pow({ ...(apply({ base: 'x' }, [y]) as object), grouped: true } as unknown as Expr, num('2'))],
    ['x(y)²', pow(apply({ base: 'x' }, [y]), num('2'))],
    ['2x', mul(num('2'), x)],
    ['2.5x', mul(num('2.5'), x)],
    ['½‖x‖²', mul(div(num('1'), num('2')), pow(norm(x), num('2')))],
    ['√x²', call('sqrt', [pow(x, num('2'))])],
    ['\\sqrt{x}^2', pow(call('sqrt', [x]), num('2'))],
    ['log x y', call('log', [mul(x, y)])],
    ['log x · y', mul(call('log', [x]), y)],
    ['\\log x \\log y', mul(call('log', [x]), call('log', [y]))],
    // The unparenthesized argument takes the whole product, parenthesized calls included.
    ['log 𝟙ᵀexp(z)', call('log', [mul(T(ones), call('exp', [z]))])],
    ['\\log \\mathbf{1}^\\top \\exp(z)', call('log', [mul(T(ones), call('exp', [z]))])],
    ['log x σ(y)', call('log', [mul(x, call('σ', [y]))])],
    ['log 𝟙ᵀ exp z', mul(call('log', [T(ones)]), call('exp', [z]))],
    ['log|A| tr A', mul(call('log', [bars(A)]), call('tr', [A]))],
    ['log(x) y', mul(call('log', [x]), y)],
    ['\\log\\det(K)', call('log', [call('det', [K])])],
    ['\\log \\det K + 1', add(call('log', [call('det', [K])]), num('1'))],
    ['tr AB', call('tr', [mul(A, name('B'))])],
    ['\\exp -x', call('exp', [neg(x)])],
    ['σ²', pow(name('σ'), num('2'))],
    ['σx', mul(name('σ'), x)],
    ['α(x + y)', apply({ base: 'α' }, [add(x, y)])],
    ['y(1 − y)', apply({ base: 'y' }, [sub(num('1'), y)])],
    ['f (x)', mul(name('f'), x)],
    ["A'(x)", apply({ base: 'A' }, [x], 1)],
    ["A' (x)", mul(T(A), x)],
    ['alphax', mul(name('α'), x)],
    ['betax', mul(name('β'), x)],
    ['wx', mul(name('w'), x)],
    ['W1x', mul(name('W', { sub: '1' }), x)],
    ['W_1 x', mul(name('W', { sub: '1' }), x)],
    ['x^(n)', pow(x, name('n'))],
    ['e^(x)', pow(name('e'), x)],
    ['(AB)^(2)', pow(mul(A, name('B')), num('2'))],
    ['∑ᵢ xᵢ yᵢ + 1', add(indexSum('i', mul(name('x', { sub: 'i' }), name('y', { sub: 'i' }))), num('1'))],
    ['sum_i(x_i)^2', pow(indexSum('i', name('x', { sub: 'i' })), num('2'))],
    ['2∑ᵢ xᵢ', mul(num('2'), indexSum('i', name('x', { sub: 'i' })))],
  ];
  it.each(cases)('%s', (source, expected) => {
    expect(tree(source)).toEqual(expected);
  });
});

describe('bars and norms nest', () => {
  const cases: [string, Expr][] = [
    ['‖Wx − x‖²', pow(norm(sub(mul(W, x), x)), num('2'))],
    ['log|αAAᵀ+β⁻¹I|', call('log', [bars(add(mul(mul(name('α'), A), T(A)), mul(pow(name('β'), neg(num('1'))), name('I'))))])],
    ['|a|b|c|', mul(mul(bars(name('a')), name('b')), bars(name('c')))],
    ['|x||y|', mul(bars(x), bars(y))],
    ['|x|·|y|', mul(bars(x), bars(y))],
    ['| |x| − |y| |', bars(sub(bars(x), bars(y)))],
    ['|x − |y||', bars(sub(x, bars(y)))],
    ['|a(b|c|)|', bars(apply({ base: 'a' }, [mul(name('b'), bars(name('c')))]))],
    ['‖x + |y|‖', norm(add(x, bars(y)))],
    ['‖x|y|‖', norm(mul(x, bars(y)))],
    ['|‖x‖ − 1|', bars(sub(norm(x), num('1')))],
    ['‖x‖‖y‖', mul(norm(x), norm(y))],
    ['‖x‖₂‖y‖₂', mul(norm(x, '2'), norm(y, '2'))],
    ['½‖y − Xw‖² + ½λ‖w‖²', add(
      mul(div(num('1'), num('2')), pow(norm(sub(y, mul(name('X'), name('w')))), num('2'))),
      mul(mul(div(num('1'), num('2')), name('λ')), pow(norm(name('w')), num('2'))),
    )],
    ['\\left| A \\left| B \\right| \\right|', bars(mul(A, bars(name('B'))))],
    ['\\left| a |b| \\right|', bars(mul(name('a'), bars(name('b'))))],
  ];
  it.each(cases)('%s', (source, expected) => {
    expect(tree(source)).toEqual(expected);
  });
});

describe('grouping', () => {
  it('drops parentheses from the tree but keeps them in spans', () => {
    const parsed = parseExpression('(a + b)');
    expect(parsed.kind).toBe('binary');
    expect(parsed.span).toEqual({ start: 0, end: 7 });
    expectSpellings(['(x + y)', '[x + y]', '{x + y}', '\\left( x + y \\right)', '\\bigl( x + y \\bigr)', '\\Big[ x + y \\Big]', '\\left\\{ x + y \\right\\}', '((x + y))'], add(x, y));
  });

  it('treats a line break inside brackets as whitespace', () => {
    expect(tree('(a +\n  b)')).toEqual(add(name('a'), name('b')));
    expect(tree('max(a,\n    b)')).toEqual(call('max', [name('a'), name('b')]));
    expect(tree('(a   # first part\n + b)')).toEqual(add(name('a'), name('b')));
  });

  it('continues a statement after a trailing operator', () => {
    expect(tree('a +\n  b')).toEqual(add(name('a'), name('b')));
  });

  it('ignores LaTeX spacing', () => {
    expectSpellings(['a\\,b', 'a\\;b', 'a\\!b', 'a~b', 'a \\quad b', 'a\\ b'], mul(name('a'), name('b')));
  });
});

describe('spans', () => {
  it('cover exactly the text of each node', () => {
    const source = 'Wx + b';
    const parsed = parseExpression(source);
    expect(parsed.span).toEqual({ start: 0, end: 6 });
    if (parsed.kind !== 'binary') throw new Error('expected a sum');
    expect(parsed.left.span).toEqual({ start: 0, end: 2 });
    expect(parsed.right.span).toEqual({ start: 5, end: 6 });
  });

  it('cover decorations, postfix marks and unary minus', () => {
    const parsed = parseExpression('−W⁽¹⁾ᵀ');
    expect(parsed.span).toEqual({ start: 0, end: 6 });
    if (parsed.kind !== 'neg' || parsed.arg.kind !== 'transpose') throw new Error('expected −(Wᵀ)');
    expect(parsed.arg.span).toEqual({ start: 1, end: 6 });
    expect(parsed.arg.arg.span).toEqual({ start: 1, end: 5 });
  });

  it('give assignments a target span and statements their own spans', () => {
    const { statements, span } = parseProgram('f(x) = x²;  y = 2');
    expect(span).toEqual({ start: 0, end: 17 });
    const [first, second] = statements;
    if (first?.kind !== 'assign' || second?.kind !== 'assign') throw new Error('expected two assignments');
    expect(first.targetSpan).toEqual({ start: 0, end: 1 });
    expect(first.span).toEqual({ start: 0, end: 9 });
    expect(second.span).toEqual({ start: 12, end: 17 });
  });

  it('count UTF-16 code units, as JavaScript strings do', () => {
    const parsed = parseExpression('𝟙ᵀx');
    expect(parsed.span).toEqual({ start: 0, end: 4 });
  });
});

// ─── Programs and declarations ─────────────────────────────────────────────────────────────────

describe('programs', () => {
  it('reads a chain of definitions', () => {
    const program = parseProgram('z = wx + b\ny = σ(z)\nL = ½(y − t)²\nR = ½w²\nL_reg = L + λR');
    expect(stripSpans(program.statements)).toEqual([
      { kind: 'assign', target: { base: 'z' }, value: add(mul(name('w'), x), b) },
      { kind: 'assign', target: { base: 'y' }, value: call('σ', [z]) },
      { kind: 'assign', target: { base: 'L' }, value: mul(div(num('1'), num('2')), pow(sub(y, name('t')), num('2'))) },
      { kind: 'assign', target: { base: 'R' }, value: mul(div(num('1'), num('2')), pow(name('w'), num('2'))) },
      { kind: 'assign', target: { base: 'L', sub: 'reg' }, value: add(name('L'), mul(name('λ'), name('R'))) },
    ]);
  });

  it('reads function definitions with parameters', () => {
    const program = parseProgram('f(x) = x²;  g(x) = x;  h(x₁, x₂) = x₁² + x₂²\nℓ(x) = h(f(x), g(x))          # dℓ/dx = 4x³ + 2x');
    const [x1, x2] = [{ base: 'x', sub: '1' }, { base: 'x', sub: '2' }];
    expect(stripSpans(program.statements)).toEqual([
      { kind: 'assign', target: { base: 'f' }, params: [{ base: 'x' }], value: pow(x, num('2')) },
      { kind: 'assign', target: { base: 'g' }, params: [{ base: 'x' }], value: x },
      { kind: 'assign', target: { base: 'h' }, params: [x1, x2], value: add(pow(name('x', { sub: '1' }), num('2')), pow(name('x', { sub: '2' }), num('2'))) },
      { kind: 'assign', target: { base: 'ℓ' }, params: [{ base: 'x' }], value: apply({ base: 'h' }, [apply({ base: 'f' }, [x]), apply({ base: 'g' }, [x])]) },
    ]);
  });

  it('accepts the LaTeX spellings of a definition', () => {
    const program = parseProgram('\\mathcal{L}(A, b) = (y - b^T \\sigma(Ax))^2');
    expect(stripSpans(program.statements)).toEqual([
      { kind: 'assign', target: { base: 'L' }, params: [{ base: 'A' }, { base: 'b' }], value: pow(sub(y, mul(T(b), call('σ', [mul(A, x)]))), num('2')) },
    ]);
    expect(stripSpans(parseProgram('z &= wx + b \\\\ y &= \\sigma(z)').statements)).toEqual([
      { kind: 'assign', target: { base: 'z' }, value: add(mul(name('w'), x), b) },
      { kind: 'assign', target: { base: 'y' }, value: call('σ', [z]) },
    ]);
  });

  it('separates statements by newlines and semicolons, skipping blanks and comments', () => {
    const program = parseProgram('# model\n\na + b;; a − b ;\n  # done\n');
    expect(stripSpans(program.statements)).toEqual([
      { kind: 'expr', value: add(name('a'), name('b')) },
      { kind: 'expr', value: sub(name('a'), name('b')) },
    ]);
  });

  it('splits a where clause into a declare statement, on the same line or the next', () => {
    const declarations = [
      { names: [{ name: { base: 'W' } }], type: { kind: 'matrix', rows: { kind: 'symbol', name: 'n' }, cols: { kind: 'symbol', name: 'n' } }, properties: [] },
      { names: [{ name: { base: 'x' } }], type: { kind: 'vector', size: { kind: 'symbol', name: 'n' } }, properties: [] },
    ];
    const value = pow(norm(sub(mul(W, x), x)), num('2'));
    for (const source of ['L = ‖Wx − x‖² where W: n×n, x: n', 'L = ‖Wx − x‖², where W: n×n, x: n', 'L = ‖Wx − x‖²\nwhere W: n×n,\n      x: n', 'L = ‖Wx − x‖²\nwhere\n  W: n×n; x: n', 'L = \\|Wx - x\\|^2 \\quad \\text{where } W \\in \\mathbb{R}^{n \\times n}, x \\in \\mathbb{R}^n']) {
      expect(stripSpans(parseProgram(source).statements), source).toEqual([
        { kind: 'assign', target: { base: 'L' }, value },
        { kind: 'declare', declarations },
      ]);
    }
    expect(stripSpans(parseProgram('‖Wx − x‖² where W: n×n, x: n').statements)).toEqual([
      { kind: 'expr', value },
      { kind: 'declare', declarations },
    ]);
  });

  it('reads bare declaration lines', () => {
    const program = parseProgram('A: h x m; b: h\nL = (y − bᵀσ(Ax))²');
    const [declare, assign] = program.statements;
    expect(declare?.kind).toBe('declare');
    expect(assign?.kind).toBe('assign');
    if (declare?.kind !== 'declare') return;
    expect(stripSpans(declare.declarations)).toEqual([
      { names: [{ name: { base: 'A' } }], type: { kind: 'matrix', rows: { kind: 'symbol', name: 'h' }, cols: { kind: 'symbol', name: 'm' } }, properties: [] },
      { names: [{ name: { base: 'b' } }], type: { kind: 'vector', size: { kind: 'symbol', name: 'h' } }, properties: [] },
    ]);
    expect(declare.span).toEqual({ start: 0, end: 14 });
  });

  it('offers parseExpression for a single expression only', () => {
    expectError('a; b', 'expected a single expression', 3, parseExpression);
    expectError('x = 1', 'expected an expression, not an assignment', 0, parseExpression);
  });
});

describe('declarations', () => {
  const symbol = (n: string) => ({ kind: 'symbol', name: n });
  const size = (value: number) => ({ kind: 'size', value });
  const decl = (names: Name[], type: object, extra: object = {}) => ({ names: names.map((n) => ({ name: n })), type, properties: [], ...extra });
  const matrix = (rows: object, cols: object) => ({ kind: 'matrix', rows, cols });
  const vector = (n: object) => ({ kind: 'vector', size: n });
  const scalar = { kind: 'scalar' };
  const declarations = (source: string) => stripSpans(parseDeclarations(source));

  it('reads every spelling of a shape', () => {
    const expected = [decl([{ base: 'W' }], matrix(symbol('n'), symbol('n'))), decl([{ base: 'x' }], vector(symbol('n'))), decl([{ base: 'y' }], scalar)];
    for (const source of [
      'W: n×n, x: n, y: scalar',
      'W ∈ ℝ^{n×n}, x ∈ ℝⁿ, y ∈ ℝ',
      'W \\in \\mathbb{R}^{n \\times n}, x \\in \\mathbb{R}^n, y \\in \\mathbb{R}',
      'W in R^{n x n}; x in R^n; y in R',
      'W: n x n\nx: n\ny: scalar',
      'where W: n*n, x: ℝ^n, y: R',
      'W ∈ ℝⁿˣⁿ, x: n, y: ℝ',
    ]) {
      expect(declarations(source), source).toEqual(expected);
    }
  });

  it('reads kinds, properties, row names and lists of names', () => {
    expect(declarations('A: h x m; b: h; x: m; K: n×n symmetric; Φ: elementwise')).toEqual([
      decl([{ base: 'A' }], matrix(symbol('h'), symbol('m'))),
      decl([{ base: 'b' }], vector(symbol('h'))),
      decl([{ base: 'x' }], vector(symbol('m'))),
      { ...decl([{ base: 'K' }], matrix(symbol('n'), symbol('n'))), properties: ['symmetric'] },
      decl([{ base: 'Φ' }], { kind: 'elementwise' }),
    ]);
    expect(declarations('W: n×d (rows wᵢᵀ)')).toEqual([decl([{ base: 'W' }], matrix(symbol('n'), symbol('d')), { rowName: { base: 'w', sub: 'i' } })]);
    expect(declarations('W: n×d (rows w_i^T)')).toEqual(declarations('W: n×d (rows wᵢᵀ)'));
    expect(declarations('w, φ: 2')).toEqual([decl([{ base: 'w' }, { base: 'φ' }], vector(size(2)))]);
    expect(declarations('W⁽¹⁾, W⁽²⁾: d×d')).toEqual([decl([{ base: 'W', index: '1' }, { base: 'W', index: '2' }], matrix(symbol('d'), symbol('d')))]);
    expect(declarations('\\mathbf{W}^{(1)}, \\mathbf{W}^{(2)} \\in \\mathbb{R}^{d \\times d}')).toEqual(declarations('W⁽¹⁾, W⁽²⁾: d×d'));
    expect(declarations('f: function')).toEqual([decl([{ base: 'f' }], { kind: 'function' })]);
    expect(declarations('A: 3×2')).toEqual([decl([{ base: 'A' }], matrix(size(3), size(2)))]);
    expect(declarations('')).toEqual([]);
  });

  it('spells a subscripted dimension symbol as nameKey spells the name', () => {
    const [declared] = parseDeclarations('W: n₁×n_2') as Declaration[];
    expect(declared?.type).toMatchObject({ rows: { name: nameKey({ base: 'n', sub: '1' }) }, cols: { name: nameKey({ base: 'n', sub: '2' }) } });
  });

  it('gives names and declarations their spans', () => {
    const [first, second] = parseDeclarations('w, φ: 2; K: n×n symmetric');
    expect(first?.span).toEqual({ start: 0, end: 7 });
    expect(first?.names.map((n) => n.span)).toEqual([{ start: 0, end: 1 }, { start: 3, end: 4 }]);
    expect(second?.span).toEqual({ start: 9, end: 25 });
  });

  it('reports errors against the --where text', () => {
    const error = expectError('W: n×', 'expected a dimension', 5, parseDeclarations);
    expect(error.source).toBe('W: n×');
  });
});

// ─── The problems chainrule is built around ────────────────────────────────────────────────────

describe('seeds.json', () => {
  const withSource = seeds.problems.filter((p) => p.source !== undefined);
  const withWhere = seeds.problems.filter((p) => p.where !== undefined);

  it('has problems to parse', () => {
    expect(withSource.length).toBeGreaterThan(10);
    expect(withWhere.length).toBeGreaterThan(5);
  });

  it.each(withSource.map((p) => [p.id, p.source!]))('%s: source parses', (_id, source) => {
    expect(parseProgram(source).statements.length).toBeGreaterThan(0);
  });

  it.each(withWhere.map((p) => [p.id, p.where!]))('%s: where parses', (_id, where) => {
    expect(parseDeclarations(where).length).toBeGreaterThan(0);
  });

  it('builds the expected tree for the two-layer network', () => {
    const [statement] = parseProgram('ℓ = ½‖W⁽²⁾Φ(W⁽¹⁾x + b) − y‖²').statements;
    const W1 = name('W', { index: '1' });
    const W2 = name('W', { index: '2' });
    expect(stripSpans(statement)).toEqual({
      kind: 'assign',
      target: { base: 'ℓ' },
      value: mul(div(num('1'), num('2')), pow(norm(sub(mul(W2, apply({ base: 'Φ' }, [add(mul(W1, x), b)])), y)), num('2'))),
    });
  });

  it('builds the expected tree for the sum of units', () => {
    const [statement] = parseProgram('f = (y − ∑ᵢ φ(wᵢᵀx + bᵢ))²').statements;
    const body = apply({ base: 'φ' }, [add(mul(T(name('w', { sub: 'i' })), x), name('b', { sub: 'i' }))]);
    expect(stripSpans(statement)).toEqual({ kind: 'assign', target: { base: 'f' }, value: pow(sub(y, indexSum('i', body)), num('2')) });
  });

  it('builds the expected tree for the Gaussian-process terms', () => {
    const K2 = add(mul(mul(name('α'), A), T(A)), mul(pow(name('β'), neg(num('1'))), name('I')));
    const [second] = parseProgram('L₂ = −½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)').statements;
    expect(stripSpans(second)).toEqual({
      kind: 'assign',
      target: { base: 'L', sub: '2' },
      value: neg(mul(div(num('1'), num('2')), call('tr', [mul(mul(pow(K2, neg(num('1'))), name('B')), T(name('B')))]))),
    });
  });
});

// ─── Bad input: one clear message, the caret on the offending text ─────────────────────────────

describe('syntax errors', () => {
  const cases: [source: string, fragment: string, start: number][] = [
    ['a +', 'expected an expression after "+"', 3],
    ['x = ', 'expected an expression after "="', 4],
    ['(a', 'unbalanced parentheses: no closing ) for the ( at 1:1', 0],
    ['f(x', 'unbalanced parentheses', 1],
    ['a)', 'unbalanced parentheses: no ( for this )', 1],
    ['(a))', 'unbalanced parentheses', 3],
    ['a]', 'unbalanced brackets', 1],
    ['(a]', 'unbalanced parentheses: no closing ) for the ( at 1:1', 0],
    ['x^{2', 'unbalanced braces', 2],
    ['\\left( a', 'no closing \\right) for the \\left( at 1:1', 0],
    ['‖x', 'unbalanced ‖: no closing ‖ for the one at 1:1', 0],
    ['½‖Wx − y', 'unbalanced ‖: no closing ‖ for the one at 1:2', 1],
    ['|x', 'unbalanced |: no closing | for the one at 1:1', 0],
    ['log|K', 'unbalanced |', 3],
    ['‖x + |y‖', 'unbalanced |: no closing | for the one at 1:6', 5],
    ['\\lVert x', 'no closing \\rVert', 0],
    ['f(,)', 'unexpected ","', 2],
    ['f()', 'expected an expression', 2],
    ['x ^', 'expected an exponent', 3],
    ['@', 'unexpected "@"', 0],
    ['a + * b', 'unexpected "*": expected an expression', 4],
    ['+ a', 'unexpected "+"', 0],
    ['a = b = c', 'unexpected "="', 6],
    ['2 3', 'unexpected "3"', 2],
    ['1.2.3', 'unexpected "."', 3],
    ['\\foo', 'unexpected "\\foo"', 0],
    ['a \\alphax', 'unexpected "\\alphax"', 2],
    ['x′', 'a prime marks the derivative', 1],
    ['‖x‖₃', 'unsupported norm "3"', 3],
    ["norm(X, 'nuc')", 'unsupported norm "nuc"', 9],
    ['arcsin(x)', 'unsupported function "arcsin"', 0],
    ['\\sec x', 'unsupported function "sec"', 0],
    ['\\operatorname{foo}(x)', 'unsupported function "foo"', 0],
    ['huber(r)', 'unknown function "huber"', 0],
    ['2 lsq(Wx)', 'unknown function "lsq"', 2],
    ['log|A| tr(A)', 'ambiguous: log |A| tr(A)', 3],
    ['\\sqrt[3]{x}', 'only square roots', 0],
    ['x_1_2', 'two subscripts', 0],
    ['𝟙[x]', 'expected a comparison', 4],
    ['log', 'expected an expression after "log"', 3],
    ['∑ᵢ', 'expected an expression', 2],
    ['\\frac{1}', 'expected an expression', 8],
    ['', 'empty input', 0],
    ['  \n ; # only a comment', 'empty input', 0],
    ['where', 'expected a declaration after "where"', 5],
    ['L = x where', 'expected a declaration', 11],
    ['W: n×', 'expected a dimension', 5],
    ['W: n×n, x', 'expected “:” or “∈”', 9],
    ['x: ', 'expected a type', 3],
    ['x: n, ', 'expected a declaration', 6],
    ['a +\n\n', 'expected an expression', 5],
    ['y = 2\nz = (y\nw = 3', 'unbalanced parentheses: no closing ) for the ( at 2:5', 10],
  ];
  it.each(cases)('%j → %s', (source, fragment, start) => {
    expectError(source, fragment, start);
  });

  it('points a caret wide enough to cover the offending token', () => {
    expect(expectError('\\foo + 1', 'unexpected', 0).span).toEqual({ start: 0, end: 4 });
    expect(expectError('arcsin(x)', 'unsupported', 0).span).toEqual({ start: 0, end: 6 });
  });

  it('adds hints where the mistake is recognizable', () => {
    expect(expectError('loss = 2', 'unexpected "="', 5).hint).toContain('names are single letters');
    expect(expectError('2 3', 'unexpected', 2).hint).toContain('needs an operator');
    expect(expectError('(a $', 'unexpected "$"', 3).hint).toContain('the ( at 1:1 is still open');
    expect(expectError('x′', 'prime', 1).hint).toContain('φ′(z)');
  });

  it('reports --where mistakes', () => {
    expectError('W n', 'unexpected "n": expected “:” or “∈”', 2, parseDeclarations);
    expectError('W: n×n,', 'expected a declaration', 7, parseDeclarations);
    expectError('W: n× ; x: n', 'expected a dimension', 6, parseDeclarations);
  });
});

describe('limits', () => {
  it('rejects 10 000 nested parentheses with a clear error at the first one too deep', () => {
    const source = `${'('.repeat(10_000)}x${')'.repeat(10_000)}`;
    const error = expectError(source, 'expression nested too deeply', MAX_NESTING);
    expect(error.hint).toContain(String(MAX_NESTING));
  });

  it('parses nesting up to the limit', () => {
    const source = `${'('.repeat(MAX_NESTING)}x${')'.repeat(MAX_NESTING)}`;
    expect(tree(source)).toEqual(x);
  });

  it('turns a stack overflow from other nesting into the same error', () => {
    const source = `${'‖'.repeat(20_000)}x${'‖'.repeat(20_000)}`;
    expectError(source, 'expression nested too deeply', 0);
  });

  // A construct that fails after its opener must not be re-read by another rule: nested 30 deep,
  // one re-read per level would mean 2³⁰ attempts.
  it.each(['σ(', 'f(', 'log(', 'x^{', '\\sqrt{', 'sum_i(', '𝟙[', 'norm(', '‖', '|', '\\left(', '\\frac{', '∑ᵢ (', 'φ′('])(
    'fails fast on unclosed %s nested 30 deep',
    (opener) => {
      const started = performance.now();
      expect(() => parseProgram(`${opener.repeat(30)}x`)).toThrow(ChainruleError);
      expect(performance.now() - started).toBeLessThan(2_000);
    },
  );

  // Speed is the bench's business (timed unit tests fail on a loaded machine); this checks that a
  // 1 MB input neither overflows the stack nor loses its spans. The timeout only catches a hang.
  it('parses a 1 MB sum without overflowing the stack, and reports a 1 MB mistake at its end', { timeout: 120_000 }, () => {
    const terms = 250_000;
    const source = `${'x+'.repeat(terms)}x`;
    expect(source.length).toBeGreaterThan(500_000);
    const parsed = parseExpression(source);
    let depth = 0;
    for (let node: Expr = parsed; node.kind === 'binary'; node = node.left) depth++;
    expect(depth).toBe(terms);
    expect(parsed.span).toEqual({ start: 0, end: source.length });

    const megabyte = 'x+'.repeat(500_000);
    expectError(megabyte, 'expected an expression after "+"', megabyte.length);
  });
});

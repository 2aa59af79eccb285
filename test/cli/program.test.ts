// Bad options and contradictory input on the command line (#18; the choices of --format, --layout
// and --granularity are tested in options.test.ts): one `error:` line, a hint, exit 2,
// never a stack trace and never a silent default.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { checkGradients } from '../../src/check/index.ts';
import { buildProgram, expressionsNotFlags, optionError } from '../../src/cli/program.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');

function chainrule(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('command-line mistakes', () => {
  const program = buildProgram();

  it('commander errors become one error line and a hint', () => {
    expect(optionError("error: unknown option '--fromat'\n(Did you mean --format?)\n", 'chainrule parse')).toBe(
      "error: unknown option '--fromat'\nhint: did you mean --format? (chainrule parse --help lists the options)\n",
    );
    expect(optionError("error: unknown option '--foo'\n", 'chainrule parse')).toBe(
      "error: unknown option '--foo'\nhint: chainrule parse --help lists the options, with examples\n",
    );
    expect(optionError("error: option '-f, --format <format>' argument 'bogus' is invalid. Allowed choices are text, latex, ascii, json.\n", 'chainrule diff')).toBe(
      "error: option '-f, --format <format>' argument 'bogus' is invalid. Allowed choices are text, latex, ascii, json.\nhint: chainrule diff --help lists the options, with examples\n",
    );
    expect(optionError("error: unknown command 'dif'\n(Did you mean diff?)\n", 'chainrule')).toBe(
      "error: unknown command 'dif'\nhint: did you mean diff? (chainrule --help lists the options)\n",
    );
    // Terminal escapes in a mistyped option are shown escaped.
    expect(optionError("error: unknown option '--a\u001b[31m'\n", 'chainrule parse')).toContain('--a\\u001b[31m');
  });

  it('a word after -- is an option; any other leading minus starts an expression', () => {
    const argv = (...args: string[]) => expressionsNotFlags(['node', 'chainrule', 'parse', ...args], program).slice(3);
    expect(argv('--foo')).toEqual(['--foo']);
    expect(argv('--foo=1')).toEqual(['--foo=1']);
    expect(argv('--format', 'json')).toEqual(['--format', 'json']);
    expect(argv('-x^2')).toEqual(['−x^2']);
    expect(argv('--x')).toEqual(['−-x']);
    expect(argv('-γ/2·log|K|')).toEqual(['−γ/2·log|K|']);
    expect(argv('-')).toEqual(['-']);
  });
});

/** Each case: arguments, the exact stderr (two lines: error, hint), exit 2, nothing on stdout. */
const CASES: [string[], string][] = [
  [['parse', '--foo', 'x'], "error: unknown option '--foo'\nhint: chainrule parse --help lists the options, with examples\n"],
  [['parse', 'x', '--fromat', 'json'], "error: unknown option '--fromat'\nhint: did you mean --format? (chainrule parse --help lists the options)\n"],
  [['diff', 'xᵀx', '--wrt', 'x', '--layout', 'bogus'], "error: option '--layout <layout>' argument 'bogus' is invalid. Allowed choices are gradient, numerator.\nhint: chainrule diff --help lists the options, with examples\n"],
  [['diff', 'xᵀx', '--wrt', 'x,x'], 'error: x is listed twice\nhint: name each variable once: --wrt x\n'],
  [['diff', 'W₁x + b', '--wrt', 'b,W1,W₁', '--where', 'W₁: n×n'], 'error: W1 and W₁ are the same variable, W₁\nhint: name each variable once: --wrt b,W1\n'],
  [['hessian', 'xᵀx', '--wrt', 'x,x'], 'error: x is listed twice\nhint: name each variable once: --wrt x\n'],
  [['diff', 'xᵀx', '--wrt', ''], 'error: --wrt names no variable\nhint: --wrt W,x (comma-separated)\n'],
  [['steps', 'xᵀx', '--wrt', ''], 'error: --wrt names no variable\nhint: --wrt W,x (comma-separated)\n'],
  [['graph', 'xᵀx', '--wrt', 'x,,'], 'error: --wrt x,, has an empty name\nhint: --wrt x\n'],
];

const SCALAR_HINT = 'differentiate a scalar of it, such as ‖…‖² or 𝟙ᵀ(…); for an elementwise derivative declare the variable a scalar; for the Jacobian use chainrule jacobian';

/** Program mistakes: exit 2, the message with its caret, no stack trace. */
const PROGRAMS: [string[], string][] = [
  [['parse', 'z = 1; z = 2; z'], 'error: z is defined twice (1:8)\n  z = 1; z = 2; z\n         ^\nhint: a name keeps one definition; give this one another name, such as z₂\n'],
  [['parse', 'x = 1; x = W'], 'error: x is defined twice (1:8)\n  x = 1; x = W\n         ^\nhint: a name keeps one definition; give this one another name, such as x₂\n'],
  [['parse', 'f(x) = x²; f(y) = y; f(2)'], 'error: f is defined twice (1:12)\n  f(x) = x²; f(y) = y; f(2)\n             ^\nhint: a name keeps one definition; give this one another name, such as f₂\n'],
  [['parse', 'x: 3; x: 4; xᵀx'], 'error: x is declared twice with different shapes (1:7)\n  x: 3; x: 4; xᵀx\n        ^\nhint: keep one declaration of x\n'],
  [['parse', 'xᵀx', '--where', 'x: 3, x: 4'], 'error: x is declared twice with different shapes (1:7)\n  x: 3, x: 4\n        ^\nhint: keep one declaration of x\n'],
  [['parse', 'W', '--where', 'W: n×m symmetric'], 'error: W is declared symmetric but is n×m (1:1)\n  W: n×m symmetric\n  ^^^^^^^^^^^^^^^^\n'],
  [['parse', 'I', '--where', 'I: n'], 'error: I is the identity matrix (its size comes from where it stands); it cannot be declared (1:1)\n  I: n\n  ^\nhint: for a variable use another letter, or a subscript such as I₁\n'],
  [['parse', 'πx', '--where', 'x: n, π: n'], 'error: π is the number π; it cannot be declared (1:7)\n  x: n, π: n\n        ^\nhint: for a variable use another letter, or a subscript such as π_θ\n'],
  // Errors about the expression point at it (#18): the output that is not a scalar, the abstract function.
  [['diff', 'L = relu(Wx)', '--wrt', 'W'], `error: the output L is n, not a scalar; differentiation needs a scalar output (1:1)\n  L = relu(Wx)\n  ^^^^^^^^^^^^\nhint: ${SCALAR_HINT}\n`],
  [['steps', 'z = xᵀx; Ax', '--wrt', 'x', '--hessian'], `error: the output is m, not a scalar; a Hessian needs a scalar output (1:10)\n  z = xᵀx; Ax\n           ^^\nhint: ${SCALAR_HINT}\n`],
  [['hessian', 'Ax', '--wrt', 'x', '--hvp'], `error: the output is n, not a scalar; a Hessian-vector product needs a scalar output (1:1)\n  Ax\n  ^^\nhint: ${SCALAR_HINT}\n`],
  [['check', 'Ax', '--wrt', 'x', '--hessian'], `error: the output is n, not a scalar; a Hessian needs a scalar output (1:1)\n  Ax\n  ^^\nhint: ${SCALAR_HINT}\n`],
  [['codegen', 'xᵀx + Φ(x)ᵀ𝟙', '--wrt', 'x', '--where', 'Φ: elementwise'], 'error: Φ(x) is an abstract function: generated code needs a concrete one (1:7)\n  xᵀx + Φ(x)ᵀ𝟙\n        ^^^^\nhint: write a built-in in its place (tanh, σ, relu, softplus, exp), e.g. tanh(W⁽¹⁾x + b) for Φ(W⁽¹⁾x + b)\n'],
  [['codegen', 'y = f(x) + 1; y²', '--wrt', 'x', '--where', 'x: scalar', '--lang', 'numpy'], 'error: f(x) is an abstract function: generated code needs a concrete one (1:5)\n  y = f(x) + 1; y²\n      ^^^^\nhint: write a built-in in its place (tanh, σ, relu, softplus, exp), e.g. tanh(W⁽¹⁾x + b) for Φ(W⁽¹⁾x + b)\n'],
  [['parse', 'I = 2; I'], 'error: I is the identity matrix (its size comes from where it stands); it cannot be defined (1:1)\n  I = 2; I\n  ^\nhint: for a variable use another letter, or a subscript such as I₁\n'],
];

describe('bad options and contradictory programs exit 2 with one error', () => {
  for (const [args, stderr] of [...CASES, ...PROGRAMS]) {
    it(`chainrule ${args.map((a) => (/\s|^$/.test(a) ? `'${a}'` : a)).join(' ')}`, () => {
      const r = chainrule(args);
      expect(r.stderr).toBe(stderr);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }

  it('what these refusals leave alone still works', () => {
    // The same shape declared twice (once as ℝⁿ), a declared π with a subscript, one name per --wrt.
    const args = ['π_θᵀx + xᵀx', '--wrt', 'x,π_θ', '--where', 'x: n; x ∈ ℝⁿ; π_θ: n'];
    const r = chainrule(['diff', ...args]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('∂f/∂x = π_θ + 2x\n∂f/∂π_θ = x\n');
    expect(r.code).toBe(0);
    // The printed derivatives against central differences.
    const model = parse(args[0], { where: args[4] });
    const checks = checkGradients(model, differentiate(model, ['x', 'π_θ']).derivatives, { points: 3, seed: 7 });
    expect(checks.map((c) => c.variable)).toEqual(['x', 'π_θ']);
    for (const c of checks) expect(c.relativeError, c.variable).toBeLessThan(1e-6);
  });
});

// The options the commands share (src/cli/options.ts): values outside an option's choices are
// refused before anything runs, every JSON output has one shape keyed by the names as written, and
// --at tolerates values of names the expression does not use.
import { describe, expect, it } from 'vitest';
import { chainrule, jsonFiles } from './support.ts';

const file = jsonFiles('chainrule-options-');

describe('choices', () => {
  const refused: [string, string[], string][] = [
    ['diff --format', ['diff', 'xᵀx', '--wrt', 'x', '--format', 'foo'], "option '-f, --format <format>' argument 'foo' is invalid. Allowed choices are text, latex, md, ascii, json."],
    ['diff --layout', ['diff', 'xᵀx', '--wrt', 'x', '--layout', 'denominator'], "option '--layout <layout>' argument 'denominator' is invalid. Allowed choices are gradient, numerator."],
    ['check --format', ['check', 'xᵀx', '--wrt', 'x', '--format', 'latex'], "option '-f, --format <format>' argument 'latex' is invalid. Allowed choices are text, json."],
    ['parse --format', ['parse', 'xᵀx', '--format', 'md'], "option '-f, --format <format>' argument 'md' is invalid. Allowed choices are text, latex, ascii, json."],
    ['eval --format', ['eval', 'xᵀx', '--at', 'values.json', '--format', 'latex'], "option '-f, --format <format>' argument 'latex' is invalid. Allowed choices are text, json."],
    ['hessian --format', ['hessian', 'xᵀx', '--wrt', 'x', '--format', 'tex'], "option '-f, --format <format>' argument 'tex' is invalid. Allowed choices are text, latex, md, ascii, json."],
    ['latex --format', ['latex', 'xᵀx', '--format', 'text'], "option '-f, --format <format>' argument 'text' is invalid. Allowed choices are latex, md."],
    ['steps --layout', ['steps', 'xᵀx', '--wrt', 'x', '--layout', 'Numerator'], "option '--layout <layout>' argument 'Numerator' is invalid. Allowed choices are gradient, numerator."],
    ['steps --granularity', ['steps', 'xᵀx', '--granularity', 'node'], "option '--granularity <g>' argument 'node' is invalid. Allowed choices are step, operation."],
    ['graph --format', ['graph', 'xᵀx', '--format', 'png'], "option '-f, --format <format>' argument 'png' is invalid. Allowed choices are dot, svg, tikz, mermaid."],
    ['graph --granularity', ['graph', 'xᵀx', '--granularity', 'ops'], "option '--granularity <g>' argument 'ops' is invalid. Allowed choices are step, operation."],
    ['plot --format', ['plot', 'x²', '--format', 'png'], "option '-f, --format <format>' argument 'png' is invalid. Allowed choices are svg, json."],
  ];
  for (const [what, args, message] of refused) {
    it(`${what} outside its choices: exit 2, one error line naming the choices, nothing on stdout`, () => {
      const r = chainrule(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`error: ${message}`);
    });
  }

  it('--help lists the choices and the default', () => {
    const help = chainrule(['diff', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('(choices: "gradient", "numerator", default: "gradient")');
    expect(help).toContain('(choices: "text", "latex", "md", "ascii", "json", default: "text")');
  });
});

describe('one JSON shape', () => {
  // μ is typed `mu`: every key says `mu`, as written, and every object names the output.
  const at = file('values.json', { mu: 2, x: [1, 2] });
  const json = (args: string[]) => {
    const r = chainrule(args);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('diff, diff --at, check, parse and eval', () => {
    const diff = json(['diff', 'mu·xᵀx', '--wrt', 'x,mu', '--format', 'json']);
    expect(diff.output).toBe('f');
    expect(Object.keys(diff.derivatives as object)).toEqual(['x', 'mu']);
    expect(json(['diff', 'mu·xᵀx', '--wrt', 'x,mu', '--at', at, '--format', 'json'])).toEqual({ output: 'f', value: 10, gradient: { x: [4, 8], mu: 5 } });
    const check = json(['check', 'mu·xᵀx', '--wrt', 'x,mu', '--format', 'json']);
    expect(check.output).toBe('f');
    expect((check.checks as { variable: string }[]).map((c) => c.variable)).toEqual(['x', 'mu']);
    const parsed = json(['parse', 'L = mu·xᵀx', '--format', 'json']);
    expect(parsed.output).toBe('L');
    expect((parsed.shapes as { variables: object }).variables).toEqual({ mu: 'scalar', x: 'n' });
    expect(json(['eval', 'L = mu·xᵀx', '--at', at, '--format', 'json'])).toEqual({ output: 'L', value: 10 });
  });

  it('jacobian, hessian and --hvp, with and without --at', () => {
    const jac = json(['jacobian', 'mu·x', '--wrt', 'x,mu', '--format', 'json']);
    expect(jac.output).toBe('f');
    expect(Object.keys(jac.jacobians as object)).toEqual(['x', 'mu']);
    expect(json(['jacobian', 'mu·x', '--wrt', 'x,mu', '--at', at, '--format', 'json'])).toEqual({ output: 'f', value: [2, 4], jacobian: { x: [[2, 0], [0, 2]], mu: [1, 2] } });
    const hess = json(['hessian', 'mu·xᵀx', '--wrt', 'x,mu', '--format', 'json']);
    expect(hess.output).toBe('f');
    expect(Object.keys(hess.hessian as object)).toEqual(['x', 'x,mu', 'mu']);
    expect(json(['hessian', 'mu·xᵀx', '--wrt', 'x,mu', '--at', at, '--format', 'json'])).toEqual({ output: 'f', value: 10, hessian: { x: [[4, 0], [0, 4]], 'x,mu': [2, 4], mu: 0 } });
    const hvp = json(['hessian', 'mu·xᵀx', '--wrt', 'x,mu', '--hvp', '--format', 'json']);
    expect(hvp.output).toBe('f');
    expect(Object.keys(hvp.hvp as object)).toEqual(['x', 'mu']);
  });
});

describe('--at with names the expression does not use', () => {
  it('ignores them with one note on stderr, and computes with the rest', () => {
    const at = file('extra.json', { x: [1, 2], mu: 2, zz: 3, W: [[1]] });
    const r = chainrule(['diff', 'mu·xᵀx', '--wrt', 'x', '--at', at, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ output: 'f', value: 10, gradient: { x: [4, 8] } });
    expect(r.stderr).toBe(`note: ignoring zz, W in ${at}: not variables of the expression (its variables are μ, x)\n`);
    expect(chainrule(['eval', 'xᵀx', '--at', at]).stdout.trim()).toBe('5');
  });

  it('still refuses a missing value', () => {
    const r = chainrule(['eval', 'mu·xᵀx', '--at', file('short.json', { x: [1, 2] })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no value for μ');
  });
});

describe('LaTeX and Markdown output', () => {
  const cases: string[][] = [
    ['diff', 'L₁ = α‖x‖² + β·tr(XᵀX)', '--wrt', 'x,α,X'],
    ['jacobian', 'AXB', '--wrt', 'X,A', '--where', 'A: m×n; X: n×p; B: p×q'],
    ['jacobian', 'tanh(Wx)', '--wrt', 'x,W', '--where', 'W: m×n'],
    ['hessian', 'L₁ = −log|X| + α‖x‖²', '--wrt', 'X,x,α'],
    ['hessian', 'yᵀAx + α‖x‖²', '--wrt', 'x,y,α', '--hvp'],
  ];

  it('--format latex is LaTeX only: every line is ASCII except % comments (α is \\alpha, L₁ is L_{1})', () => {
    for (const args of cases) {
      const r = chainrule([...args, '--format', 'latex']);
      expect(r.code, r.stderr).toBe(0);
      for (const line of r.stdout.trim().split('\n').filter((l) => !l.startsWith('% '))) expect(line, `${args.join(' ')}: ${line}`).toMatch(/^[\x20-\x7e]*$/);
    }
    expect(chainrule(['diff', 'L₁ = α‖x‖²', '--wrt', 'x,α', '--format', 'latex']).stdout).toBe('\\frac{\\partial L_{1}}{\\partial x} = 2\\alpha x\n\\frac{\\partial L_{1}}{\\partial \\alpha} = \\|x\\|^{2}\n');
  });

  it('--format md wraps each formula in $…$ (a $$ gathered block for a line break), and KaTeX renders every one', async () => {
    const katex = (await import('katex')).default;
    expect(chainrule(['latex', '‖Wx − x‖²', '--format', 'md']).stdout).toBe('$\\|Wx - x\\|^{2}$\n');
    expect(chainrule(['diff', 'α‖x‖²', '--wrt', 'x,α', '--format', 'md']).stdout).toBe('$\\frac{\\partial f}{\\partial x} = 2\\alpha x$\n$\\frac{\\partial f}{\\partial \\alpha} = \\|x\\|^{2}$\n');
    let formulas = 0;
    for (const args of cases) {
      const r = chainrule([...args, '--format', 'md']);
      expect(r.code, r.stderr).toBe(0);
      for (const line of r.stdout.trim().split('\n')) {
        if (line.startsWith('(')) continue;
        const m = /^\$\$(.*)\$\$$/.exec(line) ?? /^\$(.*)\$:?$/.exec(line);
        expect(m, `${args.join(' ')}: ${line}`).not.toBeNull();
        expect(() => katex.renderToString((m as RegExpExecArray)[1], { throwOnError: true, displayMode: line.startsWith('$$') })).not.toThrow();
        formulas++;
      }
    }
    expect(formulas).toBeGreaterThan(20);
  });
});

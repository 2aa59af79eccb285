// Limits and hangs (#18): long products, long chains of definitions and wide sums finish, or are
// refused with one error line naming the limit and a hint (exit 2), never a hang or a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { differentiate, parse } from '../../src/api.ts';
import { compileSpec, moduleSpecFor } from '../../src/compile.ts';
import { MAX_LETTER_RUN_COST } from '../../src/syntax/parse.ts';
import { MAX_ORDERED_CHAIN } from '../../src/lower/lower.ts';
import { chargeWork, cpuLimitSeconds, limitWork, MAX_CPU_SECONDS, renewWorkBudget } from '../../src/limits.ts';
import { compareWithReference } from '../codegen/support.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-limits-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const chainrule = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: tmp, maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** One `error:` line, one `hint:` line, nothing else (no stack trace). */
const ONE_ERROR_AND_HINT = /^error: [^\n]+\nhint: [^\n]+\n$/;

describe('long products', () => {
  it('a 20 000-factor product A B A B … x differentiates (was minutes), and its whole derivative reaches a pipe', () => {
    const n = 10000;
    const r = chainrule(['diff', `@${file('product.txt', `‖${'A B '.repeat(n)}x‖²`)}`, '--wrt', 'x', '--where', 'A, B: n×n; x: n']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 100 KB on stdout: exiting before the pipe drained cut it at 80 KB.
    expect(r.stdout).toBe(`2${'BᵀAᵀ'.repeat(n)}${'AB'.repeat(n)}x\n`);
    const w = chainrule(['diff', `@${file('powers.txt', `‖${'W '.repeat(2 * n)}x‖²`)}`, '--wrt', 'x', '--where', 'W: n×n; x: n']);
    expect(w.stderr).toBe('');
    expect(w.stdout).toBe('2(Wᵀ)²⁰⁰⁰⁰W²⁰⁰⁰⁰x\n');
  });

  it('the derivative of a long product agrees with finite differences', () => {
    const r = chainrule(['check', `‖${'W '.repeat(80)}x‖²`, '--wrt', 'x,W', '--where', 'W: n×n; x: n', '--points', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}∂\/∂x = .* over 2 points\nok {3}∂\/∂W = .* over 2 points\n$/);
  });

  it(`a product longer than ${MAX_ORDERED_CHAIN} factors is multiplied from one end; the module agrees with the evaluator`, () => {
    const model = parse(`‖${'W '.repeat(MAX_ORDERED_CHAIN + 10)}x‖² + yᵀ${'V '.repeat(MAX_ORDERED_CHAIN + 1)}x`, { where: 'W: n×n; V: n×n; x, y: n' });
    const diff = differentiate(model, ['x', 'y']);
    const compiled = compileSpec(moduleSpecFor(model, diff.derivatives, { dims: { n: 2 } }));
    const result = compareWithReference(model, diff.derivatives, compiled, { points: 2, seed: 3, dims: { n: 2 } });
    expect(result.points).toBe(2);
    expect(result.value).toBeLessThan(1e-9);
    for (const e of Object.values(result.gradients)) expect(e).toBeLessThan(1e-9);
  });

  it('letters run together beyond the limit are refused before parsing, with the run underlined', () => {
    const n = Math.sqrt(MAX_LETTER_RUN_COST) + 1;
    const r = chainrule(['diff', `@${file('letters.txt', `‖${'W'.repeat(n)}x‖²`)}`, '--wrt', 'x', '--where', 'W: n×n; x: n']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: ${n + 1} letters in a row \\(1:2\\)\\n  W{40}…\\n  \\^+\\nhint: .*separate the factors with spaces \\(W W x\\).*at most ${n - 1} letters in a row`));
    // Many shorter runs add up to the same limit.
    const many = chainrule(['parse', `@${file('runs.txt', Array.from({ length: 20 }, () => `${'W'.repeat(1000)}x`).join(' + '))}`]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/^error: too many letters written together \(runs of up to 1001\) \(1:\d+\)\n/);
    // Just under the limit parses.
    const under = chainrule(['parse', `@${file('under.txt', `${'W'.repeat(n - 2)}x`)}`, '--where', 'W: n×n; x: n']);
    expect(under.stderr).toBe('');
    expect(under.code).toBe(0);
  });
});

describe('the CPU limit', () => {
  it('is MAX_CPU_SECONDS unless CHAINRULE_CPU_LIMIT gives a positive number', () => {
    expect(cpuLimitSeconds({})).toBe(MAX_CPU_SECONDS);
    expect(cpuLimitSeconds({ CHAINRULE_CPU_LIMIT: '0.5' })).toBe(0.5);
    for (const bad of ['0', '-1', 'abc', '']) expect(cpuLimitSeconds({ CHAINRULE_CPU_LIMIT: bad })).toBe(MAX_CPU_SECONDS);
  });

  // Inputs that ran for minutes (or died of V8's out-of-memory) before: with a 1-second limit, each
  // stops with the limit error. 5 000 squarings x₁ = x₀², …; 5 000 linear steps zₖ = Wzₖ₋₁; a sum of
  // 70 000 terms sin(kx).
  const squarings = Array.from({ length: 5000 }, (_, i) => `x${i + 1} = x${i}²`).join('; ');
  const linear = `${Array.from({ length: 5000 }, (_, i) => `z${i + 1} = W z${i}`).join('; ')}; f = ‖z5000‖²`;
  const sines = Array.from({ length: 70000 }, (_, i) => `sin(${i}x)`).join('+');
  const cases: [string, string[]][] = [
    ['steps on 5 000 squarings', ['steps', `@${file('squarings.txt', squarings)}`, '--wrt', 'x0']],
    ['graph on 5 000 squarings', ['graph', `@${file('squarings.txt', squarings)}`, '--wrt', 'x0']],
    ['diff on 5 000 linear steps', ['diff', `@${file('linear.txt', linear)}`, '--wrt', 'z0', '--where', 'W: n×n; z0: n']],
    ['diff on 70 000 sines', ['diff', `@${file('sines.txt', sines)}`, '--wrt', 'x', '--where', 'x: scalar']],
  ];
  for (const [name, args] of cases) {
    it(`${name}: exit 2 with the limit error`, () => {
      const r = chainrule(args, { CHAINRULE_CPU_LIMIT: '1' });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(ONE_ERROR_AND_HINT);
      expect(r.stderr).toMatch(/^error: the computation is too large: it took more than 1 s of CPU time\nhint: .*name the parts of long products and sums/);
    });
  }
});

describe('the work budget of a batch', () => {
  const burn = (ms: number) => {
    const until = process.cpuUsage().user + ms * 1000;
    while (process.cpuUsage().user < until);
  };
  it('bounds each item of a batch, not the batch: renewWorkBudget starts the budget afresh', () => {
    try {
      limitWork({ cpuSeconds: 0.05, heapMb: 4096 });
      burn(80);
      // Past the budget, the next charge stops the work…
      expect(() => chargeWork(4096)).toThrow(/more than 0.05 s of CPU time/);
      limitWork({ cpuSeconds: 0.05, heapMb: 4096 });
      burn(80);
      // …unless a new item began.
      renewWorkBudget();
      expect(() => chargeWork(4096)).not.toThrow();
    } finally {
      limitWork(undefined);
    }
  });
});

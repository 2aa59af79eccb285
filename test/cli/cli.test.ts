// The CLI as a user meets it: real processes, exit codes, stdout/stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');

function chainrule(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-cli-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('chainrule', () => {
  it('latex prints the answer-key form', () => {
    const r = chainrule(['latex', '−γ/2·log|αAAᵀ+β⁻¹I|']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('-\\frac{\\gamma}{2}\\log|\\alpha AA^{\\top} + \\beta^{-1}I|');
  });

  it('parse prints the normalized expression and every shape', () => {
    const r = chainrule(['parse', 'norm(W*x - x)^2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('‖Wx − x‖²');
    expect(r.stdout).toContain('W: n×n');
    expect(r.stdout).toContain('x: n');
    expect(r.stdout).toContain('result: scalar');
  });

  it('parse --format json is machine-readable', () => {
    const r = chainrule(['parse', '(y − bᵀσ(Ax))²', '--where', 'A: h×m', '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.shapes.variables).toEqual({ y: 'scalar', b: 'h', A: 'h×m', x: 'm' });
    expect(json.latex).toContain('\\sigma');
  });

  it('reads stdin with - and files with @', () => {
    expect(chainrule(['latex', '-'], 'x^T*A*x').stdout.trim()).toBe('x^{\\top}Ax');
    expect(chainrule(['latex', `@${file('e.txt', '½‖Wx − x‖²\n')}`]).stdout.trim()).toBe('\\frac{1}{2}\\|Wx - x\\|^{2}');
  });

  it('eval computes the lecture example', () => {
    const at = file('v.json', JSON.stringify({ w: [3, 1], φ: [1, 2], y: 2 }));
    const r = chainrule(['eval', '(wᵀφ − y)²', '--where', 'w, φ: 2; y: scalar', '--at', at, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ output: 'f', value: 9 });
  });

  it('eval accepts ASCII aliases of the names as written', () => {
    const at = file('a.json', JSON.stringify({ W1: [[1, 2], [3, 4]], alpha: 2, x: [1, 1] }));
    const r = chainrule(['eval', 'αW⁽¹⁾x', '--at', at, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ output: 'f', value: [6, 14] });
  });

  it('diff prints the textbook derivative', () => {
    const r = chainrule(['diff', '‖Wx − x‖²', '--wrt', 'W', '--format', 'latex']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('2(Wx - x)x^{\\top}');
  });

  it('diff --at --format json gives exactly value and gradient', () => {
    const at = file('b.json', JSON.stringify({ w: [3, 1], φ: [1, 2], y: 2 }));
    const r = chainrule(['diff', '(wᵀφ − y)²', '--wrt', 'w', '--where', 'w, φ: 2; y: scalar', '--at', at, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ output: 'f', value: 9, gradient: { w: [6, 12] } });
  });

  it('check reports small relative errors and exits 0', () => {
    const r = chainrule(['check', '−½ tr((αAAᵀ + β⁻¹I)⁻¹BBᵀ)', '--wrt', 'A,B', '--where', 'A, B: n×n']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok +∂\/∂A = α\(αAAᵀ \+ β⁻¹I\)⁻¹BBᵀ\(αAAᵀ \+ β⁻¹I\)⁻¹A +relative error \d\.\d+e-\d+ over 5 points$/m);
  });

  it('bad input: one error line with line:column and a caret, exit 2, no stack trace', () => {
    const r = chainrule(['parse', '‖x‖ + x²', '--where', 'x: n']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: .*\(1:7\)$/);
    expect(r.stderr).toContain('      ^^');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('an unknown variable in --wrt is bad input', () => {
    const r = chainrule(['diff', '‖Wx − x‖²', '--wrt', 'Q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Q is not a variable .*\nhint: its variables are W, x/);
  });

  it('--help has examples on every command', () => {
    const top = chainrule(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const c of commands) {
      const help = chainrule([c, '--help']);
      expect(help.code, c).toBe(0);
      expect(help.stdout, c).toContain('Examples:');
    }
    // One CLI process per command (about 20): minutes on a loaded 2-core machine.
  }, 600_000);
});

describe('expressions that start with a minus sign', () => {
  it('are expressions, not options', () => {
    const r = chainrule(['diff', '-x^2', '--wrt', 'x', '-w', 'x: scalar']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('−2x');
  });
});

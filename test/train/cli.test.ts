// chainrule train, plot and gradient-cost as a user runs them: real processes, files, exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-train-cli-'));

function chainrule(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('chainrule train', () => {
  it('trains on generated code and writes the plots and a JSON summary', () => {
    const out = path.join(tmp, 'run');
    const r = chainrule(['train', '--units', '10', '--steps', '3000', '--format', 'json', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.config).toMatchObject({ units: 10, steps: 3000, target: 'pwl', learningRate: 0.02, batchSize: 40 });
    expect(summary.final.testMse).toBeLessThan(summary.untrained.testMse);
    expect(readdirSync(path.join(out, 'frames')).length).toBe(4);
    for (const f of ['index.html', 'fit.svg', 'elbows.svg', 'error.svg', 'run.json']) expect(existsSync(path.join(out, f))).toBe(true);
  });

  it('--last-layer-only switches to learning rate 0.2; bad settings exit 2 with a message', () => {
    const out = path.join(tmp, 'last');
    const r = chainrule(['train', '--last-layer-only', '--units', '10', '--steps', '1000', '--no-frames', '--format', 'json', '-o', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).config).toMatchObject({ lastLayerOnly: true, learningRate: 0.2 });
    const bad = chainrule(['train', '--target', 'cos', '-o', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--target is one of pwl, sin');
    expect(chainrule(['train', '--units', '0', '-o', out]).code).toBe(2);
  });
});

describe('chainrule plot', () => {
  it('plots σ and ReLU with their derivatives', () => {
    const out = path.join(tmp, 'activations.svg');
    const r = chainrule(['plot', 'σ(x)', 'relu(x)', '--derivative', '--range', '-5:5', '-o', out]);
    expect(r.code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('d/dx σ(x) = σ(x)(1 − σ(x))');
  });

  it('--format json prints the sampled curves', () => {
    const r = chainrule(['plot', 'x³', '--derivative', '--range', '-1:1', '--format', 'json']);
    expect(r.code).toBe(0);
    const { series } = JSON.parse(r.stdout);
    expect(series[1].label).toBe('d/dx x³ = 3x²');
    const at = series[1].points.find((p: { x: number }) => p.x === 1);
    expect(at.y).toBeCloseTo(3, 12);
  });

  it('reports bad input with exit code 2', () => {
    expect(chainrule(['plot', 'σ(x)', '--range', '3:1', '-o', path.join(tmp, 'x.svg')]).stderr).toContain('range');
    const two = chainrule(['plot', 'x + y', '--var', 'x', '-o', path.join(tmp, 'y.svg')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('one variable');
    expect(chainrule(['plot', 'σ(x)']).code).toBe(2);
  });
});

describe('chainrule gradient-cost', () => {
  it('prints the growth table and writes the log-log chart', () => {
    const out = path.join(tmp, 'cost.svg');
    const r = chainrule(['gradient-cost', '--sizes', '4,16,64', '--budget', '0.05', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backprop \(generated valueAndGrad\): time ∝ P\^/);
    expect(r.stdout.split('\n').filter((l) => /^\s+(4|16|64)\s/.test(l)).length).toBe(3);
    expect(readFileSync(out, 'utf8')).toContain('finite differences');
  });
});

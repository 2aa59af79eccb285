// Nothing lost in a batch (#18): `key good.json bad.json -o k.tex` writes every good problem, marks
// each bad one (a computation that fails, or a file that cannot be read) in the key with its error,
// reports every one on stderr (sheet, problem, part, message), and exits 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-batch-'));
const write = (name: string, value: unknown) => {
  const p = path.join(tmp, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};
const part = (id: string, expr: string, extra: Record<string, unknown> = {}) => ({ id, statement: `Part ${id}.`, expr, where: 'x: n; W: n×n', wrt: ['x'], show: ['answers'], ...extra });

const good = write('good.json', { sheet: 'Good sheet', problems: [{ id: '1', title: 'Norm', parts: [part('a', '‖Wx‖²')] }] });
const mixed = write('mixed.json', {
  sheet: 'Mixed sheet',
  problems: [
    { id: '1', title: 'Fine', parts: [part('a', 'xᵀWx')] },
    { id: '2', title: 'Broken', parts: [part('a', 'x²'), part('b', 'xᵀx'), part('c', 'Wx + ', { wrt: ['x'] })] },
  ],
});
const unreadable = write('broken.json', { sheet: 'Unreadable', problems: [null] });
const notJson = write('notjson.json', '{ "sheet": ');

describe('key on a batch with bad problems', () => {
  for (const ext of ['tex', 'md', 'html']) {
    it(`writes every good problem to k.${ext}, marks each bad one, reports all, exits 2`, () => {
      const out = path.join(tmp, `k.${ext}`);
      const r = spawnSync(process.execPath, [bin, 'key', good, mixed, unreadable, notJson, '-o', out], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      const key = readFileSync(out, 'utf8');
      // The good problems are there, with their answers: ∂/∂x ‖Wx‖² = 2WᵀWx and ∂/∂x xᵀWx = (W + Wᵀ)x.
      expect(key).toContain('Good sheet');
      expect(key).toContain('Mixed sheet');
      expect(key).toMatch(/Part b\./);
      expect(key.match(/Not solved\./g)?.length).toBe(4);
      expect(key).toMatch(/x is n, so x² is ambiguous|x is a vector/);
      expect(key).toContain('could not be read');
      // Every failure on stderr, naming file, sheet, problem and part, then the count.
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errors.length).toBe(4);
      expect(errors[0]).toMatch(/^error: .*mixed\.json, Mixed sheet 2\(a\): x is .* x² is ambiguous/);
      expect(errors[1]).toMatch(/^error: .*mixed\.json, Mixed sheet 2\(c\): /);
      expect(errors[2]).toMatch(/^error: .*broken\.json: top level: problem 1 must be an object, not null$/);
      expect(errors[3]).toMatch(/^error: .*notjson\.json/);
      expect(r.stderr).toMatch(/\n4 problems not solved \(2 files not read\); each is marked in .*k\.\w+\n$/);
      expect(r.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);
    });
  }

  it('the marked LaTeX key still typesets', () => {
    const out = path.join(tmp, 'typeset.tex');
    const r = spawnSync(process.execPath, [bin, 'key', good, mixed, '-o', out, '--pdf'], { encoding: 'utf8' });
    if (spawnSync('pdflatex', ['--version']).status !== 0) return;
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/wrote .*typeset\.tex, .*typeset\.pdf\n/);
  });

  it('a batch of good files exits 0', () => {
    const r = spawnSync(process.execPath, [bin, 'key', good, '-o', path.join(tmp, 'ok.md')], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/^wrote .*ok\.md/);
    expect(r.status).toBe(0);
  });
});

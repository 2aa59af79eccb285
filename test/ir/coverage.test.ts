// One op table per stage, one entry per op: a new op that misses an entry fails here (and in tsc).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADJOINT_RULES } from '../../src/diff/rules.ts';
import { EVALUATION_RULES } from '../../src/eval/index.ts';
import { OPS } from '../../src/ir/node.ts';
import { NOTATIONS } from '../../src/print/index.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('every op has an entry in every table', () => {
  for (const op of OPS) {
    it(op, () => {
      expect(typeof ADJOINT_RULES[op]).toBe('function');
      expect(typeof EVALUATION_RULES[op]).toBe('function');
      expect(typeof NOTATIONS[op]).toBe('function');
    });
  }
});

describe('the whole project type-checks (tsc --strict)', () => {
  it('tsc --noEmit', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', repoRoot], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 180_000);
});

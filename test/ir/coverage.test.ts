// One op table per stage, one entry per op: a new op that misses an entry fails here (and in tsc).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADJOINT_RULES } from '../../src/diff/rules.ts';
import { EVALUATION_RULES } from '../../src/eval/index.ts';
import fc from 'fast-check';
import { OPS, topoSort } from '../../src/ir/node.ts';
import { OP_INFO } from '../../src/ir/ops.ts';
import { isScalar, sameShape } from '../../src/ir/shape.ts';
import { anyExpression } from '../properties/arbitrary.ts';
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

describe('OP_INFO describes the nodes the constructors make', () => {
  it('each node has its op\'s arity, leaves have no operands, a flattening op no operand of its own op, an entrywise op operands of its shape', () => {
    fc.assert(
      fc.property(anyExpression(4), (expr) => {
        for (const n of topoSort([expr])) {
          const info = OP_INFO[n.op];
          if (info.arity === 'n') expect(n.args.length, n.op).toBeGreaterThanOrEqual(n.op === 'call' ? 1 : 2);
          else expect(n.args.length, n.op).toBe(info.arity);
          expect(info.class === 'leaf', n.op).toBe(n.args.length === 0);
          if (info.flattens) expect(n.args.some((a) => a.op === n.op), n.op).toBe(false);
          // Entrywise: every operand is a scalar or has the result's shape.
          if (info.class === 'entrywise') for (const a of n.args) expect(isScalar(a.shape) || sameShape(a.shape, n.shape), n.op).toBe(true);
        }
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });
});

describe('the whole project type-checks (tsc --strict)', () => {
  it('tsc --noEmit', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', repoRoot], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 180_000);
});

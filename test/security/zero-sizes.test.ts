// Zero sizes (#18): a vector or matrix with no entries is refused where its size is written, with a
// caret and a hint, in --where, in the program and in --dims (exit 2), never accepted.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/api.ts';
import { ChainruleError, formatError } from '../../src/errors.ts';
import { chainrule } from '../cli/support.ts';

const refusal = (source: string, where?: string): string => {
  try {
    parse(source, { where });
  } catch (e) {
    if (e instanceof ChainruleError) return formatError(e, source);
    throw e;
  }
  throw new Error(`${source} --where ${where} was accepted`);
};

describe('zero sizes', () => {
  it('are refused in --where with the caret under the size', () => {
    expect(refusal('xᵀx', 'x: 0')).toBe('error: a size must be at least 1, not 0 (1:4)\n  x: 0\n     ^\nhint: x has no entries then; declare a size of 1 or more, or a symbol (x: n)');
    expect(refusal('xᵀAx', 'A: 3×0; x: 3')).toBe('error: a size must be at least 1, not 0 (1:6)\n  A: 3×0; x: 3\n       ^\nhint: A has no entries then; declare a size of 1 or more, or a symbol (A: n×m)');
    expect(refusal('xᵀy', 'x, y: 00')).toMatch(/^error: a size must be at least 1, not 0 \(1:7\)\n  x, y: 00\n {8}\^\^\nhint: x, y have no entries then/);
  });

  it('are refused in a declaration inside the program', () => {
    expect(refusal('x: 0; f = xᵀx')).toBe('error: a size must be at least 1, not 0 (1:4)\n  x: 0; f = xᵀx\n     ^\nhint: x has no entries then; declare a size of 1 or more, or a symbol (x: n)');
  });

  it('sizes of 1 and symbols are still accepted', () => {
    expect(parse('xᵀAx', { where: 'A: 1×1; x: 1' }).output.node.shape).toEqual({ rows: 1, cols: 1 });
    expect(parse('xᵀx', { where: 'x: n' }).variables[0].shape).toEqual({ rows: 'n', cols: 1 });
  });

  it('the CLI: exit 2 for x: 0 (diff, check, codegen) and for --dims n=0', () => {
    for (const command of ['diff', 'check', 'codegen']) {
      const r = chainrule([command, 'xᵀx', '--wrt', 'x', '--where', 'x: 0']);
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toBe('error: a size must be at least 1, not 0 (1:4)\n  x: 0\n     ^\nhint: x has no entries then; declare a size of 1 or more, or a symbol (x: n)\n');
    }
    const dims = chainrule(['codegen', 'xᵀx', '--wrt', 'x', '--where', 'x: n', '--dims', 'n=0']);
    expect(dims.code).toBe(2);
    expect(dims.stderr).toBe('error: --dims n=0: a size must be a whole number from 1 up\nhint: --dims n=3\n');
  });
});

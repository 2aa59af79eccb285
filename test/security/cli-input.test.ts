// What the CLI shows and reads (#18): an error about text from a file shows only the offending token
// (never the rest of the file: `parse @/proc/self/environ` must not print the environment), every
// unprintable character is shown escaped (terminal escapes, bidi overrides, NUL), input files and
// stdin are read with a size cap, and values beyond a double (1e400) are refused.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindValues, parse } from '../../src/api.ts';
import { ChainruleError, formatError, visible } from '../../src/errors.ts';
import { readCapped } from '../../src/read.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-cli-input-'));
const file = (name: string, text: string | Buffer) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const chainrule = (args: string[], input?: string | Buffer) => {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', cwd: tmp, maxBuffer: 16 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** Raw characters that must never reach a terminal from an error. */
const RAW_UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('error display', () => {
  it('shows unprintable characters escaped, with the caret under the escape', () => {
    const source = 'x + \u001b[31m y';
    const e = new ChainruleError('unexpected "\u001b"', { span: { start: 4, end: 5 } });
    expect(formatError(e, source)).toBe(['error: unexpected "\\u001b" (1:5)', '  x + \\u001b[31m y', '      ^^^^^^'].join('\n'));
    expect(visible('a\u202eb\u0000c\u2028d')).toBe('a\\u202eb\\u0000c\\u2028d');
  });

  it('shows only the offending token of text from a file', () => {
    const source = 'SHELL=/bin/bash SECRET=hunter2';
    const e = new ChainruleError('unexpected "="', { span: { start: 5, end: 6 }, hint: 'a hint' });
    expect(formatError(e, source, { excerpt: 'token' })).toBe(['error: unexpected "=" (1:6)', '  =', '  ^', 'hint: a hint'].join('\n'));
  });

  it('chainrule parse @file: no file content beyond the token, nothing unprintable, exit 2', () => {
    const environ = file('environ', 'SHELL=/bin/bash\u0000SECRET_TOKEN=hunter2\u0000PATH=/usr/bin\u0000');
    const r = chainrule(['parse', `@${environ}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/hunter2|SECRET|bin\/bash/);
    expect(r.stderr).not.toMatch(RAW_UNPRINTABLE);
    const hostile = file('ctl.txt', 'x + \u001b]0;pwned\u0007\u001b[2J \u202e y');
    const h = chainrule(['parse', `@${hostile}`]);
    expect(h.code).toBe(2);
    expect(h.stderr).not.toMatch(RAW_UNPRINTABLE);
    expect(h.stderr).toContain('\\u001b');
    // Typed on the command line, the line is shown (the user wrote it), escaped.
    const typed = chainrule(['parse', 'x +\u0001 y']);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toBe('error: unexpected "\\u0001" (1:4)\n  x +\\u0001 y\n     ^^^^^^\n');
  });
});

describe('input size', () => {
  it('reads a file up to the cap and refuses one byte more', () => {
    expect(readCapped(file('ok.txt', 'a'.repeat(1000)), 1000)).toBe('a'.repeat(1000));
    expect(() => readCapped(file('big.txt', 'a'.repeat(1001)), 1000)).toThrow(/big\.txt is larger than/);
    expect(() => readCapped(path.join(tmp, 'missing.txt'), 1000)).toThrow(/cannot read .*missing\.txt: no such file/);
    expect(() => readCapped(tmp, 1000)).toThrow(/it is a folder/);
  });

  it('@/dev/zero, a 2 MB @file and 2 MB on stdin are refused with exit 2', () => {
    for (const r of [chainrule(['parse', '@/dev/zero']), chainrule(['parse', `@${file('two.txt', 'x + '.repeat(1 << 19))}`]), chainrule(['parse', '-'], 'x + '.repeat(1 << 19))]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: .* is larger than 1 MB\nhint: /);
    }
  });
});

describe('values', () => {
  it('a literal beyond a double (1e400) is refused, naming the variable and entry', () => {
    const model = parse('xᵀAx + y', { where: 'x: 2; A: 2×2' });
    expect(() => bindValues(model, { x: [1, 2], A: [[1, 2], [3, 1e400]], y: 1 })).toThrow(/^the value of A at row 2, column 2 is not a finite number$/);
    expect(() => bindValues(model, { x: [1, -1e400], A: [[1, 2], [3, 4]], y: 1 })).toThrow(/^the value of x at entry 2 is not a finite number$/);
    expect(() => bindValues(model, { x: [1, 2], A: [[1, 2], [3, 4]], y: 1e999 })).toThrow(/^the value of y is not a finite number$/);
    const r = chainrule(['eval', 'xᵀx', '--where', 'x: 2', '--at', file('v.json', '{"x": [1, 1e400]}')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: the value of x at entry 2 is not a finite number\nhint: a number beyond ±1.8e308 (like 1e400) overflows a double; values must be finite\n');
  });
});

describe('options and outputs', () => {
  it('check refuses --points, --seed and --tolerance that are not in range (exit 2, not "NaN over 0 points")', () => {
    const cases: [string[], RegExp][] = [
      [['--points', '0'], /^error: --points is 0; it must be between 1 and 1000\n$/],
      [['--points', '-3'], /^error: --points takes a whole number, not −3\nhint: --points 1…1000\n$/],
      [['--points', 'abc'], /^error: --points takes a whole number, not abc\n/],
      [['--points', '100000000'], /^error: --points is 100000000; it must be between 1 and 1000\nhint: the limit keeps a run within seconds/],
      [['--tolerance', '-1'], /^error: --tolerance takes a positive number, not −1\n/],
      [['--tolerance', 'abc'], /^error: --tolerance takes a positive number, not abc\n/],
      [['--seed', 'abc'], /^error: --seed takes a whole number, not abc\n/],
    ];
    for (const [args, message] of cases) {
      const r = chainrule(['check', 'xᵀx', '--wrt', 'x', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const ok = chainrule(['check', 'xᵀx', '--wrt', 'x', '--points', '2', '--seed', '7', '--tolerance', '1e-6']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok {3}∂\/∂x = 2x {3}relative error \S+ over 2 points\n$/);
  });

  it('-o into a missing folder, onto a folder or onto /proc/version is bad input naming the path', () => {
    const cases: [string, RegExp][] = [
      [path.join(tmp, 'missing', 'dir', 'm.ts'), /^error: cannot write .*missing\/dir\/m\.ts: no such file or folder\nhint: create the folder first/],
      [tmp, /^error: cannot write .*chainrule-cli-input-\w+: it is a folder\n$/],
      ['/proc/version', /^error: cannot write \/proc\/version: (input\/output error|permission denied|read-only file system|not permitted)\n$/],
    ];
    for (const [out, message] of cases) {
      const r = chainrule(['codegen', 'xᵀx', '--wrt', 'x', '-o', out]);
      expect(r.code, out).toBe(2);
      expect(r.stderr, out).toMatch(message);
    }
  });
});

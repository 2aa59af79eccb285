// docs/language.md is executable: every example block is parsed, and every `$ chainrule` line is
// run, so the reference cannot drift from the language it describes.
//
//   ```chainrule                   the block is one program; it must parse
//   ```chainrule same              every line parses, and all lines to the same expression
//   ```chainrule error             every line is refused with a ChainruleError (a message, no crash)
//   ... where="W: n×n; x: n"       declarations passed beside each input (--where)
//   ```console  $ chainrule …      the command prints exactly the lines below it (diff: through
//                                  the library call it prints, in-process)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChainruleError, differentiate, parse, print } from '../../src/index.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const doc = readFileSync(path.join(repoRoot, 'docs/language.md'), 'utf8');

interface Block {
  mode: 'program' | 'same' | 'error';
  where?: string;
  body: string;
  line: number;
}

function blocks(): Block[] {
  const found: Block[] = [];
  for (const m of doc.matchAll(/^```chainrule([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const info = m[1].trim();
    const mode = info.startsWith('same') ? 'same' : info.startsWith('error') ? 'error' : 'program';
    const where = /where="([^"]*)"/.exec(info)?.[1];
    found.push({ mode, where, body: m[2], line: doc.slice(0, m.index).split('\n').length });
  }
  return found;
}

const lines = (body: string) => body.split('\n').filter((l) => l.trim() !== '');

/** The output expression in all three spellings and its shape: equal iff the trees are equal. */
function meaning(source: string, where?: string): string {
  const node = parse(source, { where }).output.node;
  return [print(node, 'unicode'), print(node, 'ascii'), print(node, 'latex'), JSON.stringify(node.shape)].join('  |  ');
}

describe('docs/language.md examples', () => {
  const all = blocks();
  it('has examples of every kind', () => {
    expect(all.filter((b) => b.mode === 'same').length).toBeGreaterThanOrEqual(30);
    expect(all.filter((b) => b.mode === 'error').length).toBeGreaterThanOrEqual(5);
    expect(all.filter((b) => b.mode === 'program').length).toBeGreaterThanOrEqual(3);
  });

  for (const block of all) {
    const label = `line ${block.line}: ${lines(block.body)[0]}${block.where ? ` (where ${block.where})` : ''}`;
    if (block.mode === 'program') {
      it(`parses ${label}`, () => {
        expect(() => parse(block.body, { where: block.where })).not.toThrow();
      });
    } else if (block.mode === 'same') {
      it(`one expression: ${label}`, () => {
        const [first, ...rest] = lines(block.body);
        expect(rest.length).toBeGreaterThan(0);
        const node = parse(first, { where: block.where }).output.node;
        for (const line of rest) {
          const other = parse(line, { where: block.where }).output.node;
          // Nodes are interned: the same tree is the same object. The printed forms name the difference.
          if (other !== node) expect(`${line}  →  ${meaning(line, block.where)}`).toBe(`${line}  →  ${meaning(first, block.where)}`);
          expect(other).toBe(node);
        }
      });
    } else {
      it(`refuses ${label}`, () => {
        for (const line of lines(block.body)) {
          let error: unknown;
          try {
            parse(line, { where: block.where });
          } catch (e) {
            error = e;
          }
          expect(error, line).toBeInstanceOf(ChainruleError);
        }
      });
    }
  }
});

/** `$ chainrule …` lines of ```console blocks with the output lines up to the next prompt. */
function commands(): { args: string[]; output: string }[] {
  const found: { args: string[]; output: string }[] = [];
  for (const block of doc.matchAll(/```console\n([\s\S]*?)```/g)) {
    const text = block[1].split('\n');
    for (let i = 0; i < text.length; i++) {
      const m = /^\$ chainrule (.*)$/.exec(text[i]);
      if (!m) continue;
      const out: string[] = [];
      for (i++; i < text.length && !text[i].startsWith('$ '); i++) out.push(text[i]);
      i--;
      // Split as sh would for these examples (single quotes only).
      found.push({ args: [...m[1].matchAll(/'([^']*)'|(\S+)/g)].map((a) => a[1] ?? a[2]), output: out.join('\n').trim() });
    }
  }
  return found;
}

/** The value of `--name` in args. */
const option = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

describe('docs/language.md commands print what the page shows', () => {
  const all = commands();
  it('there are commands', () => expect(all.length).toBeGreaterThanOrEqual(5));
  for (const { args, output } of all) {
    const [command, expr] = args;
    // `diff` with one variable prints the derivative's Unicode form, which the library returns
    // (test/cli covers the printing): in-process, since starting the CLI from source is slow.
    const known = new Set(['diff', expr, '--wrt', '--where', '--of', option(args, '--wrt'), option(args, '--where'), option(args, '--of')]);
    if (command === 'diff' && args.every((a) => known.has(a)) && !option(args, '--wrt')?.includes(',')) {
      it(args.join(' '), () => {
        const model = parse(expr, { where: option(args, '--where'), of: option(args, '--of') });
        expect(differentiate(model, [option(args, '--wrt') as string]).derivatives[0].unicode).toBe(output);
      });
    } else {
      it(args.join(' '), () => {
        const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/chainrule.js'), ...args], { encoding: 'utf8', cwd: repoRoot });
        expect(`${r.stdout}${r.stderr}`.trim()).toBe(output);
      });
    }
  }
});

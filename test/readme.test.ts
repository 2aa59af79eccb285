// The README's console examples are run as written and must print what the README shows.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** `$ npx chainrule …` lines of ```console blocks, with the output lines up to the next prompt. */
function examples(): { command: string; output: string }[] {
  const found: { command: string; output: string }[] = [];
  for (const block of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
    const lines = block[1].split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^\$ npx chainrule (.*)$/.exec(lines[i]);
      if (!m) continue;
      const out: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('$ '); i++) out.push(lines[i]);
      i--;
      found.push({ command: m[1], output: out.join('\n').trim() });
    }
  }
  return found;
}

/** Splits a shell command line the way sh would for these examples (single quotes only). */
function argv(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

describe('README examples print what the README says', () => {
  const all = examples();
  it('there are examples', () => expect(all.length).toBeGreaterThanOrEqual(5));
  for (const { command, output } of all) {
    it(command, () => {
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/chainrule.js'), ...argv(command)], { encoding: 'utf8', cwd: repoRoot });
      expect(`${r.stdout}${r.stderr}`.trim()).toBe(output);
    });
  }
});

// What the CLI tests share: run the chainrule bin in a child process, and write JSON value files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repoRoot, 'bin/chainrule.js');

/** `chainrule …args` from the repository root: exit code, stdout and stderr. */
export function chainrule(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A writer of JSON files into a fresh temporary folder: file('values.json', {x: [1, 2]}) → its path. */
export function jsonFiles(prefix: string): (name: string, value: unknown) => string {
  const tmp = mkdtempSync(path.join(tmpdir(), prefix));
  return (name, value) => {
    const p = path.join(tmp, name);
    writeFileSync(p, JSON.stringify(value));
    return p;
  };
}

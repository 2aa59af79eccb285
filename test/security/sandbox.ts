// A child Node process in which a generated module may compute and nothing else. Node's permission
// model (--experimental-permission) refuses every file read but the module's own, every file write,
// child processes, workers, native addons and process.binding; the runner replaces every way to
// reach the network (net and TLS sockets, UDP, DNS, fetch, WebSocket) with a refusal that is recorded.
// The runner also looks for the canary a hostile payload sets. It prints one JSON line
// ({ value, grad, violations, canary }) and exits 0 only when nothing was attempted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type SandboxInput = Record<string, number | number[]>;

export interface SandboxRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The runner's report, when it got that far. */
  readonly report?: { value: number; grad: Record<string, number | number[]>; violations: string[]; canary: unknown };
}

/** The global a hostile payload sets; the runner reports it. */
export const CANARY = '__chainrulePwned';

const RUNNER = String.raw`
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
const violations = [];
const deny = (what) => function refused() {
  violations.push(what);
  throw Object.assign(new Error('sandbox: ' + what + ' refused'), { code: 'ERR_SANDBOX' });
};
net.Socket.prototype.connect = deny('net.Socket.connect');
net.Server.prototype.listen = deny('net.Server.listen');
dgram.Socket.prototype.bind = deny('dgram.bind');
dgram.Socket.prototype.send = deny('dgram.send');
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  dns[name] = deny('dns.' + name);
  dns.promises[name] = deny('dns.promises.' + name);
}
for (const name of ['fetch', 'WebSocket', 'EventSource']) if (name in globalThis) globalThis[name] = deny(name);
syncBuiltinESMExports();

const given = JSON.parse(process.argv[2]);
const input = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Array.isArray(v) ? Float64Array.from(v) : v]));
const made = FORM === 'module' ? await import('./module.mjs') : new Function(BODY)();
const { value, grad } = made.valueAndGrad(input);
// Payloads that escape often run later (import(…).then(…)): give them the time to.
await new Promise((resolve) => setTimeout(resolve, 100));
const canary = globalThis.CANARY_NAME;
const plain = Object.fromEntries(Object.entries(grad).map(([k, v]) => [k, typeof v === 'number' ? v : Array.from(v)]));
process.stdout.write(JSON.stringify({ value, grad: plain, violations, canary: canary === undefined ? null : String(canary) }) + '\n');
process.exitCode = violations.length || canary !== undefined ? 4 : 0;
`;

/**
 * Runs `text` in the sandbox: as an ES module (`form: 'module'`, JavaScript text) or as the body
 * `compile()` hands to `new Function` (`form: 'function-body'`), then calls valueAndGrad(input).
 */
export function runSandboxed(text: string, input: SandboxInput, form: 'module' | 'function-body'): SandboxRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'chainrule-sandbox-'));
  const runner = path.join(dir, 'runner.mjs');
  const module = path.join(dir, 'module.mjs');
  // Replacement functions: a `$'` in the text must not be read as a replacement pattern.
  const source = RUNNER.replace('FORM', () => JSON.stringify(form))
    .replace('BODY', () => (form === 'function-body' ? JSON.stringify(text) : "''"))
    .replace('CANARY_NAME', () => CANARY);
  writeFileSync(runner, source);
  if (form === 'module') writeFileSync(module, text);
  const run = spawnSync(process.execPath, ['--experimental-permission', `--allow-fs-read=${runner}`, `--allow-fs-read=${module}`, '--no-warnings', runner, JSON.stringify(input)], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '' },
  });
  let report: SandboxRun['report'];
  const last = run.stdout.trim().split('\n').pop();
  try {
    report = last ? JSON.parse(last) : undefined;
  } catch {
    report = undefined;
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, report };
}

// Limits on the work one command may do, so that every input ends within seconds: with its answer,
// or with a clear error naming the limit (exit 2), never a hang or a V8 out-of-memory crash.
//
// The IR constructors are the one place every stage goes through (building, differentiating,
// simplifying, folding definitions back, generating code), so they count their work and, every few
// thousand units, compare the CPU time and heap the command has used with the limits. The CLI sets
// the limits for each command; the library has none unless its caller sets them (`limitWork`).
import { ChainruleError } from './errors.ts';

/** CPU seconds one command may use (about ten seconds of wall-clock time on a loaded machine).
 * The environment variable CHAINRULE_CPU_LIMIT (seconds) sets another. */
export const MAX_CPU_SECONDS = 8;

/** Heap one command may use, in megabytes (the process stays well under 1 GB). */
export const MAX_HEAP_MB = 768;

/** Units of work between two looks at the clock and the heap. */
const CHECK_EVERY = 4096;

interface Limits {
  readonly cpuMicros: number;
  readonly heapBytes: number;
  readonly startCpu: number;
}

let limits: Limits | undefined;
let sinceCheck = 0;

/** The process's CPU time and heap, where there is a process (the core also runs in browsers, unlimited). */
const host = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number }; memoryUsage?: () => { heapUsed: number } } }).process;

const cpuMicros = (): number => {
  const usage = host?.cpuUsage?.();
  return usage ? usage.user + usage.system : 0;
};

const heapUsed = (): number => host?.memoryUsage?.().heapUsed ?? 0;

/** From now on, the command may use at most `cpuSeconds` of CPU time and `heapMb` of heap;
 * `undefined` lifts the limits. */
export function limitWork(options: { cpuSeconds: number; heapMb: number } | undefined = { cpuSeconds: MAX_CPU_SECONDS, heapMb: MAX_HEAP_MB }): void {
  sinceCheck = 0;
  limits = options === undefined ? undefined : { cpuMicros: options.cpuSeconds * 1e6, heapBytes: options.heapMb * 2 ** 20, startCpu: cpuMicros() };
}

/** The CPU limit the CLI uses: MAX_CPU_SECONDS, or CHAINRULE_CPU_LIMIT when it is a positive number. */
export function cpuLimitSeconds(env: Readonly<Record<string, string | undefined>> = host && 'env' in host ? (host as { env: Record<string, string | undefined> }).env : {}): number {
  const given = Number(env.CHAINRULE_CPU_LIMIT);
  return env.CHAINRULE_CPU_LIMIT !== undefined && Number.isFinite(given) && given > 0 ? given : MAX_CPU_SECONDS;
}

/** Starts the CPU budget afresh for the next item of a batch (a problem of a key, a run of the
 * samples): the limit bounds each item, not a whole sheet or gallery. Nothing when no limit is set. */
export function renewWorkBudget(): void {
  if (limits !== undefined) limits = { ...limits, startCpu: cpuMicros() };
  sinceCheck = 0;
}

/** Counts `units` of work; past a limit, the command stops with an input error (exit 2). */
export function chargeWork(units: number): void {
  if (limits === undefined) return;
  sinceCheck += units;
  if (sinceCheck < CHECK_EVERY) return;
  sinceCheck = 0;
  const current = limits;
  if (cpuMicros() - current.startCpu > current.cpuMicros) {
    limits = undefined;
    throw new ChainruleError(`the computation is too large: it took more than ${current.cpuMicros / 1e6} s of CPU time`, {
      hint: 'the input or its derivative grows too large to finish in seconds; name the parts of long products and sums (z = …), or differentiate with respect to fewer variables',
    });
  }
  if (heapUsed() > current.heapBytes) {
    limits = undefined;
    throw new ChainruleError(`the computation is too large: it needs more than ${Math.round(current.heapBytes / 2 ** 20)} MB of memory`, {
      hint: 'the input or its derivative grows too large; name the parts of long products and sums (z = …), or differentiate with respect to fewer variables',
    });
  }
}

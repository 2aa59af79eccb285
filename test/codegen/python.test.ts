// Generated Python modules against the oracle: every seed problem, the Cookbook cases and random
// well-typed expressions are generated for NumPy (and PyTorch, when installed), imported and run by
// Debian's /usr/bin/python3 in one child process per batch, and their value() and value_and_grad()
// compared with the reference evaluator on the simplified symbolic gradients (relative error < 1e-10).
// JAX is not packaged by Debian: its modules are compiled with Python's compile() and checked for
// purity with ast. Plus: shapes checked on entry, stability at ±1000, solves instead of inverses,
// --check, and hostile text in names and comments.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/build/index.ts';
import { differentiate, parse } from '../../src/api.ts';
import { randomDims, randomTensor, randomValues, rng } from '../../src/check/index.ts';
import type { GeneratedDerivative, PythonLang } from '../../src/compile.ts';
import { generate, pythonSpecFor } from '../../src/compile.ts';
import type { PythonSpec } from '../../src/codegen/python.ts';
import { emitPython, pythonCommentText, pythonString } from '../../src/codegen/python.ts';
import { topoSort } from '../../src/ir/node.ts';
import type { Tensor } from '../../src/eval/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import { print } from '../../src/print/index.ts';
import { identifierFor } from '../../src/print/names.ts';
import { gradientsOf, irModel } from '../check/support.ts';
import { scalarExpression } from '../properties/arbitrary.ts';
import { COOKBOOK, SECOND_ORDER, seedCases } from './cases.ts';
import { relativeError } from './support.ts';

const TOLERANCE = 1e-10;
/** Time for a test that runs a batch of modules in Python (a loaded machine needs it). */
const SLOW = 600_000;
const PYTHON = '/usr/bin/python3';
const importable = (module: string): boolean => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const HAS_NUMPY = importable('numpy, scipy');
const HAS_TORCH = HAS_NUMPY && importable('torch');
const HAS_JAX = HAS_NUMPY && importable('jax');
const tmp = mkdtempSync(path.join(tmpdir(), 'chainrule-python-'));

/** A module to run: its text, and per point the inputs (nested lists) and the reference results. */
interface Job {
  readonly name: string;
  readonly text: string;
  readonly points: { inputs: Record<string, unknown>; dims?: Record<string, number>; value: number; grad: Record<string, number[]>; second?: SecondPoint }[];
}

/** With --hessian: the expected Hessian blocks, and hvp's direction with the expected product. */
interface SecondPoint {
  readonly hessian: Record<string, number[]>;
  readonly direction: Record<string, unknown>;
  readonly hvp: Record<string, number[]>;
}

/** Runs every module of a batch in one Python process; returns, per job, per point, value and flat gradients. */
const RUNNER = `
import importlib.util, json, math, sys
lang = sys.argv[2]
if lang == "torch":
    import torch
    torch.set_default_dtype(torch.float64)
import numpy as np
def flat(x):
    if lang == "torch":
        x = x.detach().cpu().numpy()
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    return [float(v) if math.isfinite(v) else repr(float(v)) for v in a]
def arr(v):
    return torch.tensor(v, dtype=torch.float64) if lang == "torch" else np.asarray(v, dtype=np.float64)
jobs = json.load(open(sys.argv[1]))
out = []
for k, job in enumerate(jobs):
    try:
        spec = importlib.util.spec_from_file_location(f"m{k}", job["file"])
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        results = []
        for p in job["points"]:
            inputs = {key: arr(v) for key, v in p["inputs"].items()}
            v = m.value(inputs, p.get("dims"))
            v2, g = m.value_and_grad(inputs, p.get("dims"))
            result = {"value": flat(v) + flat(v2), "grad": {key: flat(x) for key, x in g.items()}}
            if "second" in p:
                h = m.hessian(inputs, p.get("dims"))
                hv = m.hvp(inputs, {key: arr(v) for key, v in p["second"]["direction"].items()}, p.get("dims"))
                result["hessian"] = {key: flat(x) for key, x in h.items()}
                result["hvp"] = {key: flat(x) for key, x in hv.items()}
            results.append(result)
        out.append({"ok": results})
    except Exception as e:
        out.append({"error": f"{type(e).__name__}: {e}"})
print(json.dumps(out))
`;

type Flat = Record<string, (number | string)[]>;

function runBatch(jobs: readonly Job[], lang: PythonLang): ({ ok: { value: (number | string)[]; grad: Flat; hessian?: Flat; hvp?: Flat }[] } | { error: string })[] {
  const dir = mkdtempSync(path.join(tmp, `${lang}-`));
  const described = jobs.map((j, k) => {
    const file = path.join(dir, `module_${k}.py`);
    writeFileSync(file, j.text);
    return { file, points: j.points };
  });
  writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(described));
  writeFileSync(path.join(dir, 'runner.py'), RUNNER);
  const r = spawnSync(PYTHON, [path.join(dir, 'runner.py'), path.join(dir, 'jobs.json'), lang], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const toNumbers = (xs: readonly (number | string)[]): number[] => xs.map((x) => (typeof x === 'number' ? x : x === 'nan' ? NaN : x === 'inf' ? Infinity : -Infinity));

/** Nested lists in the module's array shape: a number, a list (vectors of either orientation), rows. */
function asNested(t: Tensor): unknown {
  if (t.rows === 1 && t.cols === 1) return t.data[0];
  if (t.rows === 1 || t.cols === 1) return Array.from(t.data);
  return Array.from({ length: t.rows }, (_, i) => Array.from(t.data.subarray(i * t.cols, (i + 1) * t.cols)));
}

/** A job: the module for a model and its derivatives, and reference results at random points.
 * With `hessian`, the module also has hessian() and hvp(), checked against the evaluator on the same nodes. */
function job(name: string, model: Model, derivatives: readonly GeneratedDerivative[], lang: PythonLang, seed: number, specialized: boolean, where?: string, hessian = false): Job {
  const random = rng(seed);
  const fixed = specialized ? randomDims(model, rng(seed + 1)) : undefined;
  const spec = pythonSpecFor(model, derivatives, { where, dims: fixed, hessian });
  const text = emitPython(spec, { lang });
  const points: Job['points'] = [];
  for (let attempt = 0; points.length < 2 && attempt < 60; attempt++) {
    const dims = randomDims(model, random, fixed);
    const values = randomValues(model.variables, dims, random);
    const value = evaluate(model.output.node, values, dims).data[0];
    if (!Number.isFinite(value)) continue;
    const inputs: Record<string, unknown> = {};
    for (const v of model.variables) inputs[identifierFor(v.name)] = asNested(values.get(v.key) as Tensor);
    const grad: Record<string, number[]> = {};
    for (const d of derivatives) grad[identifierFor(d.variable.name)] = Array.from(evaluate(d.node, values, dims).data);
    // Sizes no input fixes (n in a formula over scalars) are passed.
    points.push({ inputs, dims, value, grad, ...(spec.second ? { second: secondPoint(spec.second, derivatives, values, dims, random) } : {}) });
  }
  return { name, text, points };
}

/** Expected hessian() and hvp() at a point: the evaluator on the generated nodes, along a random direction. */
function secondPoint(second: NonNullable<PythonSpec['second']>, derivatives: readonly GeneratedDerivative[], values: Map<string, Tensor>, dims: Record<string, number>, random: () => number): SecondPoint {
  const parts = new Map(derivatives.map((d) => [identifierFor(d.variable.name), randomTensor(d.variable.shape, dims, random)]));
  const withDirection = new Map(values);
  for (const n of topoSort(second.hvps.map((h) => h.node))) {
    const part = n.op === 'var' ? second.directionOf(n.attr.key) : undefined;
    if (n.op === 'var' && part !== undefined) withDirection.set(n.attr.key, parts.get(part) as Tensor);
  }
  return {
    hessian: Object.fromEntries(second.hessians.map((h) => [h.key, Array.from(evaluate(h.node, values, dims).data)])),
    direction: Object.fromEntries([...parts].map(([key, t]) => [key, asNested(t)])),
    hvp: Object.fromEntries(second.hvps.map((h) => [h.key, Array.from(evaluate(h.node, withDirection, dims).data)])),
  };
}

/** Worst relative error of each job against its reference, or the Python error. */
function compare(jobs: readonly Job[], lang: PythonLang): string[] {
  const results = runBatch(jobs, lang);
  const failures: string[] = [];
  jobs.forEach((j, k) => {
    const r = results[k];
    if ('error' in r) {
      failures.push(`${j.name}: ${r.error}`);
      return;
    }
    if (j.points.length === 0) failures.push(`${j.name}: no point with a finite value`);
    j.points.forEach((p, i) => {
      const got = r.ok[i];
      const valueError = relativeError(toNumbers(got.value), [p.value, p.value]);
      if (!(valueError < TOLERANCE)) failures.push(`${j.name}: value ${got.value} vs ${p.value}`);
      const check = (what: string, results: Flat | undefined, expectedByKey: Record<string, number[]>) => {
        if (Object.keys(results ?? {}).sort().join() !== Object.keys(expectedByKey).sort().join()) failures.push(`${j.name}: ${what} keys ${Object.keys(results ?? {})} vs ${Object.keys(expectedByKey)}`);
        for (const [key, expected] of Object.entries(expectedByKey)) {
          const e = relativeError(toNumbers(results?.[key] ?? []), expected);
          if (!(e < TOLERANCE)) failures.push(`${j.name}: ${what} ${key} off by ${e}: ${JSON.stringify(results?.[key])} vs ${JSON.stringify(expected)}`);
        }
      };
      check('∂/∂', got.grad, p.grad);
      if (p.second) {
        check('hessian', got.hessian, p.second.hessian);
        check('hvp', got.hvp, p.second.hvp);
      }
    });
  });
  return failures;
}

function caseJobs(lang: PythonLang): Job[] {
  const jobs: Job[] = [];
  [...seedCases().map((c) => ({ ...c, name: `seed ${c.name}` })), ...COOKBOOK.map((c) => ({ ...c, name: `cookbook ${c.name}` }))].forEach((c, k) => {
    const model = parse(c.source, { where: c.where });
    const diff = differentiate(model, c.wrt.filter((w) => model.variables.some((v) => v.display === w)));
    for (const specialized of [false, true]) jobs.push(job(`${c.name}${specialized ? ' (sizes fixed)' : ''}`, model, diff.derivatives, lang, 100 + k, specialized, c.where));
  });
  return jobs;
}

function randomJobs(lang: PythonLang, runs: number, hessian = false): Job[] {
  const exprs = fc.sample(fc.tuple(scalarExpression(3, { abstract: false }), fc.integer({ min: 1, max: 1e6 }), fc.boolean()), { numRuns: runs, seed: hessian ? 20261203 : 20261202 });
  return exprs.flatMap(([expr, seed, specialized]) => {
    const model = irModel(expr);
    const wrt = model.variables.filter((v) => !(v.node.op === 'var' && v.node.attr.symmetric));
    // A Hessian needs a variable to differentiate by.
    if (hessian && wrt.length === 0) return [];
    const derivatives = gradientsOf(model, wrt).map((g) => ({ variable: g.variable, node: g.simplified, unicode: print(g.simplified, 'unicode') }));
    return [job(`random ${print(expr, 'unicode')}${hessian ? ' (hessian)' : ''}`, model, derivatives, lang, seed, specialized, undefined, hessian)];
  });
}

/** The textbook second-order cases, with hessian() and hvp(). */
function secondOrderJobs(lang: PythonLang): Job[] {
  return SECOND_ORDER.map((c, k) => {
    const model = parse(c.expr, { where: c.where });
    return job(`hessian ${c.expr} by ${c.wrt}`, model, differentiate(model, c.wrt.split(',')).derivatives, lang, 300 + k, false, c.where, true);
  });
}

/** Runs a short Python script; returns stdout (throws with stderr on failure). */
function python(script: string, cwd = tmp): string {
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** Without the Python packages the modules cannot be run: a failure in CI (.ci/run installs them), a visible skip elsewhere. */
function missing(what: string, install: string): void {
  const message = `${what} not importable by ${PYTHON} (apt-get install ${install})`;
  if (process.env.CI) it(`requires ${message}`, () => expect.fail(`${message}: CI must install it`));
  else it.skip(`skipped: ${message}`, () => {});
}

if (!HAS_NUMPY) {
  describe('generated Python', () => missing('numpy and scipy are', 'python3-numpy python3-scipy'));
}

describe.runIf(HAS_NUMPY)('generated NumPy modules agree with the reference evaluator', () => {
  it('on every seed problem and Cookbook case, with sizes from the inputs and fixed at generation', { timeout: SLOW }, () => {
    const jobs = caseJobs('numpy');
    expect(jobs.length).toBeGreaterThan(40);
    expect(compare(jobs, 'numpy')).toEqual([]);
  });

  it('on random expressions over every op', { timeout: SLOW }, () => {
    expect(compare(randomJobs('numpy', 150), 'numpy')).toEqual([]);
  });

  it('hessian() and hvp() (the joint product) on the textbook second-order cases and random expressions', { timeout: SLOW }, () => {
    const jobs = [...secondOrderJobs('numpy'), ...randomJobs('numpy', 40, true)];
    expect(jobs.length).toBeGreaterThan(30);
    expect(jobs.every((j) => j.points.every((p) => p.second))).toBe(true);
    expect(compare(jobs, 'numpy')).toEqual([]);
  });
});

describe.runIf(HAS_NUMPY)('NumPy modules', () => {
  const write = (name: string, text: string): void => writeFileSync(path.join(tmp, `${name}.py`), text);

  it('the README example: value_and_grad of ‖Wx − x‖² at W = I, x = 𝟙', { timeout: SLOW }, () => {
    write('readme_grad', generate('‖Wx − x‖²', { wrt: 'W', lang: 'numpy' }));
    expect(python('import numpy as np, readme_grad as g; v, d = g.value_and_grad({"W": np.eye(3), "x": np.ones(3)}); print(v, d["W"].shape, d["W"].tolist())')).toBe('0.0 (3, 3) [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]\n');
  });

  it('is idiomatic: @ for products, solves instead of inverses, Cholesky for symmetric K, slogdet, shared subexpressions', () => {
    const text = generate('½(y − μ)ᵀK⁻¹(y − μ) + ½log|K|', { wrt: 'μ,K', where: 'K: n×n symmetric; y, μ: n', lang: 'numpy' });
    expect(text).toMatch(/_spd_factor\(K\)/);
    expect(text).toMatch(/scipy\.linalg\.cho_solve/);
    expect(text).toMatch(/np\.linalg\.slogdet/);
    expect(text).toMatch(/ @ /);
    expect(text).not.toMatch(/for .* in range/);
    const gp = generate('aᵀA⁻¹b', { wrt: 'a,b', where: 'A: n×n; a, b: n', lang: 'numpy' });
    expect(gp).toMatch(/np\.linalg\.solve\(/);
    expect(gp).not.toMatch(/linalg\.inv/);
    // (y − μ) appears once in value_and_grad: computed into a local and reused.
    const body = text.slice(text.indexOf('def value_and_grad'));
    expect(body.match(/y - mu/g)?.length).toBe(1);
  });

  it('checks shapes on entry with a clear ValueError', { timeout: SLOW }, () => {
    write('shapes', generate('‖Wx − y‖²', { wrt: 'W', where: 'W: n×m; x: m; y: n', lang: 'numpy' }));
    const out = python(`
import numpy as np, shapes
for inputs in [{"W": np.zeros((2, 3)), "x": np.zeros(4), "y": np.zeros(2)}, {"W": np.zeros((2, 3)), "x": np.zeros((3, 1)), "y": np.zeros(2)}, {"W": np.zeros((2, 3)), "x": np.zeros(3)}, {"W": np.zeros((2, 3)), "x": np.zeros(3), "y": np.zeros(2), "z": 1.0}]:
    try:
        shapes.value(inputs)
        print("accepted")
    except ValueError as e:
        print(e)
`);
    expect(out.split('\n').slice(0, 4)).toEqual([
      'chainrule: input x (x) must have shape (m=3,), not (4,)',
      'chainrule: input x (x) must have shape (m=3,), not (3, 1)',
      "chainrule: missing input(s) ['y']; the inputs are ['W', 'x', 'y']",
      "chainrule: unknown input(s) ['z']; the inputs are ['W', 'x', 'y']",
    ]);
  });

  it('σ, log σ, softplus, log-sum-exp and softmax stay finite at ±1000', { timeout: SLOW }, () => {
    write('stable', generate('softplus(a) + log(σ(b)) + σ(c) + logsumexp(x) + yᵀsoftmax(x)', { wrt: 'a,b,c,x', where: 'a, b, c: scalar; x, y: n', lang: 'numpy' }));
    const out = python(`
import numpy as np, stable, warnings
warnings.simplefilter("error")
v, g = stable.value_and_grad({"a": 1000.0, "b": -1000.0, "c": -1000.0, "x": np.array([1000.0, 999.0, -1000.0]), "y": np.array([1.0, 0.0, 0.0])})
print(repr(v), g["a"], g["b"], g["c"], np.all(np.isfinite(g["x"])))
`);
    const s0 = 1 / (1 + Math.exp(-1));
    const [v, ga, gb, gc, finite] = out.trim().split(' ');
    expect(Number(v)).toBeCloseTo(1000 - 1000 + 0 + 1000 + Math.log(1 + Math.exp(-1)) + s0, 9);
    expect([ga, gb, gc, finite]).toEqual(['1.0', '1.0', '0.0', 'True']);
  });

  it('--check appends a finite-difference self-test that passes, and fails on a wrong gradient', { timeout: SLOW }, () => {
    const text = generate('½(y − μ)ᵀK⁻¹(y − μ) + ½log|K| + 𝟙ᵀsoftplus(Wμ)', { wrt: 'μ,K,W', where: 'K: n×n symmetric; y, μ: n; W: m×n', lang: 'numpy', check: true });
    write('selfcheck', text);
    const errors = JSON.parse(python('import json, selfcheck; print(json.dumps(selfcheck.check_gradients()))')) as Record<string, number>;
    expect(Object.keys(errors).sort()).toEqual(['K', 'W', 'mu']);
    for (const e of Object.values(errors)) expect(e).toBeLessThan(1e-6);
    // The same test on a module whose gradient is made wrong must fail.
    write('selfcheck_wrong', text.replace(/return float\(([^\n]*)\), \{/, (_m, v) => `return float(${v}), {k: 1.01 * g for k, g in {`).replace(/\n    \}\n(?![\s\S]*\n    \}\n)/, '\n    }.items()}\n'));
    expect(() => python('import selfcheck_wrong; selfcheck_wrong.check_gradients()')).toThrow(/AssertionError: chainrule: gradients disagree with finite differences/);
  });
});

describe.runIf(HAS_TORCH)('generated PyTorch modules agree with the reference evaluator', () => {
  it('on every seed problem and Cookbook case', { timeout: SLOW }, () => {
    expect(compare(caseJobs('torch'), 'torch')).toEqual([]);
  });
  it('on random expressions over every op', { timeout: SLOW }, () => {
    expect(compare(randomJobs('torch', 60), 'torch')).toEqual([]);
  });
  it('hessian() and hvp() on the textbook second-order cases and random expressions', { timeout: SLOW }, () => {
    expect(compare([...secondOrderJobs('torch'), ...randomJobs('torch', 20, true)], 'torch')).toEqual([]);
  });
});
if (HAS_NUMPY && !HAS_TORCH) {
  describe('generated PyTorch modules', () => missing('torch is', 'python3-torch'));
}

/** Python that compiles modules, and lists per module what a pure, jit-compatible function must not contain. */
const PURITY = `
import ast, json, sys
report = []
for path in sys.argv[1:]:
    tree = ast.parse(open(path).read())
    compile(tree, path, "exec")
    bad = []
    for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in ("value", "value_and_grad", "hessian", "hvp")]:
        for n in ast.walk(fn):
            if isinstance(n, (ast.AugAssign, ast.If, ast.For, ast.While, ast.IfExp, ast.Global, ast.Nonlocal)):
                bad.append(f"{fn.name}: {type(n).__name__} at line {n.lineno}")
            if isinstance(n, (ast.Assign, ast.AnnAssign)) and any(isinstance(t, (ast.Subscript, ast.Attribute)) for target in getattr(n, "targets", [getattr(n, "target", None)]) for t in ast.walk(target)):
                bad.append(f"{fn.name}: in-place store at line {n.lineno}")
    report.append(bad)
print(json.dumps(report))
`;

describe.runIf(HAS_NUMPY)('generated JAX modules', () => {
  it(`compile, and value/value_and_grad/hessian/hvp are pure: no branches, loops or in-place updates${HAS_JAX ? '' : ' (jax is not importable: not run)'}`, { timeout: SLOW }, () => {
    const jobs = [...caseJobs('jax'), ...randomJobs('jax', 40), ...secondOrderJobs('jax')];
    writeFileSync(path.join(tmp, 'purity.py'), PURITY);
    const files = jobs.map((j, k) => {
      const file = path.join(tmp, `jax_${k}.py`);
      writeFileSync(file, j.text);
      return file;
    });
    const r = spawnSync(PYTHON, [path.join(tmp, 'purity.py'), ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as string[][];
    expect(report.length).toBe(jobs.length);
    jobs.forEach((j, k) => expect(report[k], j.name).toEqual([]));
    if (HAS_JAX) expect(compare(jobs, 'jax')).toEqual([]);
  });
});

describe('Python escaping', () => {
  it('comment text has no line end of any kind and no double quote, and strings stay one line', { timeout: SLOW }, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const c = pythonCommentText(text);
        expect(c).not.toMatch(/[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/);
        expect(c).not.toMatch(/(^|[^\\])(\\\\)*"/);
        expect(pythonString(text)).not.toMatch(/[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/);
      }),
      { numRuns: 500 },
    );
  });

  it.runIf(HAS_NUMPY)('docstrings and strings decode back to the text, for every hostile character', { timeout: SLOW }, () => {
    const texts = ['"""', '\\', '\\N{', 'a\nb\rc\u000bd\u000ce\u001cf\u001dg\u001eh\u0085i\u2028j\u2029k', '\u202e\u2066x\u2069', '\u0000\u001b[2J', '\ud800 lone', 'ends with "', 'ends with \\', "''' and \"\"\""];
    const lines = texts.map((t, i) => `def f${i}():\n    """${pythonCommentText(t)}"""\n# ${pythonCommentText(t)}\ns${i} = ${pythonString(t)}\n`);
    const file = path.join(tmp, 'escapes.py');
    writeFileSync(file, lines.join(''));
    const out = python(`
import json, importlib.util
spec = importlib.util.spec_from_file_location("escapes", ${JSON.stringify(file)})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(json.dumps([[getattr(m, f"f{i}").__doc__, getattr(m, f"s{i}")] for i in range(${texts.length})]))
`);
    expect(JSON.parse(out)).toEqual(texts.map((t) => [t, t]));
  });

  it.runIf(HAS_NUMPY)('hostile comments and names reach modules that import without side effects and keep their structure', { timeout: SLOW }, () => {
    const payload = `__import__("os").system("touch pwned")`;
    const breakouts = ['\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\u001c', '"""', "'''", '\\', '\u202e'];
    const make = (p: string) =>
      breakouts.flatMap((b) => [
        { expr: `‖x‖² # note${b}${p}${b}`, where: 'x: 3', wrt: 'x' },
        { expr: '‖Wx − x‖²', where: `W: n×n; x: n # note${b}${p}`, wrt: 'W' },
        { expr: `z = Wx # hidden${b}${p}\nL = ½‖z − y‖² # loss${b}${p}`, where: 'W: k×n; x: n; y: k', wrt: 'W,x' },
      ]);
    const hostile = make(payload);
    const plain = make('plain');
    const structure = `
import ast, json, sys
def shape(path):
    tree = ast.parse(open(path).read())
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            n.value = ""
    return ast.dump(tree)
print(json.dumps([shape(p) for p in sys.argv[1:]]))
`;
    const files: string[] = [];
    [...hostile, ...plain].forEach((c, i) => {
      for (const lang of ['numpy', 'torch', 'jax'] as const) {
        const file = path.join(tmp, `hostile_${lang}_${i}.py`);
        writeFileSync(file, generate(c.expr, { wrt: c.wrt, where: c.where, lang, command: `chainrule codegen '${c.expr}' --where '${c.where}'` }));
        files.push(file);
      }
    });
    writeFileSync(path.join(tmp, 'structure.py'), structure);
    const r = spawnSync(PYTHON, [path.join(tmp, 'structure.py'), ...files], { encoding: 'utf8', cwd: tmp, maxBuffer: 1 << 28 });
    expect(r.stderr).toBe('');
    const shapes = JSON.parse(r.stdout) as string[];
    const half = shapes.length / 2;
    for (let i = 0; i < half; i++) expect(shapes[i], files[i]).toBe(shapes[i + half]);
    // Importing and running the NumPy modules creates no file.
    const numpyFiles = files.slice(0, half).filter((f) => f.includes('_numpy_'));
    python(`
import importlib.util, numpy as np
for k, f in enumerate(${JSON.stringify(numpyFiles)}):
    spec = importlib.util.spec_from_file_location(f"h{k}", f)
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    m.value({key: np.ones(tuple(3 for _ in shape)) for key, (_, shape, _s) in m.INPUTS.items()})
`);
    expect(existsSync(path.join(tmp, 'pwned'))).toBe(false);
  });
});

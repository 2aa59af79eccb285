// The charts hold the data they claim to, and Vega draws it: checked on the specs' data, on the
// data sets of the rendered view, and on the SVG's marks and text.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionPlotSpec, sampleFunctions } from '../../src/plot/functions.ts';
import { growthSpec } from '../../src/plot/growth.ts';
import { renderChart, specWarnings } from '../../src/plot/render.ts';
import { writeTrainingReport } from '../../src/plot/report.ts';
import { errorSpec, frameData, frameSpec, trajectorySpec } from '../../src/plot/training.ts';
import { growthExponent, measureGradientCost } from '../../src/train/gradient-cost.ts';
import { generatedKernel } from '../../src/train/kernels.ts';
import { Network, PARAMETER_NAMES, elbow } from '../../src/train/network.ts';
import { runReluSgdSample } from '../../src/experiment/sample.ts';
import type { TrainingRun } from '../../src/train/sgd.ts';
import { train, trainingConfig } from '../../src/train/sgd.ts';

/** Number of mark groups of a layer in Vega's SVG (one per line of a line mark with `detail`). */
const markGroups = (svg: string, layer: string): number => svg.split(`role-mark ${layer}"`).length - 1;
/** Number of symbols drawn inside a symbol layer's group. */
function symbolsIn(svg: string, layer: string): number {
  const start = svg.indexOf(`role-mark ${layer}"`);
  const end = svg.indexOf('</g>', start);
  return svg.slice(start, end).split('<path').length - 1;
}

describe('chainrule plot: σ and ReLU with their derivatives', () => {
  const series = sampleFunctions(['σ(x)', 'relu(x)'], { range: [-5, 5], derivative: true });
  const at = (label: string, x: number) => {
    const s = series.find((c) => c.label === label);
    if (!s) throw new Error(`no series ${label}; have ${series.map((c) => c.label).join(' | ')}`);
    const p = s.points.reduce((best, q) => (Math.abs(q.x - x) < Math.abs(best.x - x) ? q : best));
    return p.y;
  };

  it('labels each function and its simplified symbolic derivative', () => {
    expect(series.map((s) => s.label)).toEqual(['σ(x)', 'd/dx σ(x) = σ(x)(1 − σ(x))', 'relu(x)', 'd/dx relu(x) = 𝟙[x > 0]']);
    expect(series.map((s) => s.kind)).toEqual(['function', 'derivative', 'function', 'derivative']);
  });

  it('samples the derivatives with the values of σ′ and ReLU′', () => {
    expect(at('d/dx σ(x) = σ(x)(1 − σ(x))', 0)).toBeCloseTo(0.25, 12);
    expect(at('d/dx σ(x) = σ(x)(1 − σ(x))', 5)).toBeCloseTo(Math.exp(-5) / (1 + Math.exp(-5)) ** 2, 12);
    expect(at('d/dx relu(x) = 𝟙[x > 0]', -2)).toBe(0);
    expect(at('d/dx relu(x) = 𝟙[x > 0]', 2)).toBe(1);
    // Against finite differences of the sampled function, away from ReLU's kink.
    const sigma = series[0].points;
    const sigmaPrime = series[1].points;
    for (let i = 1; i < sigma.length - 1; i += 37) {
      const fd = (sigma[i + 1].y - sigma[i - 1].y) / (sigma[i + 1].x - sigma[i - 1].x);
      expect(sigmaPrime[i].y).toBeCloseTo(fd, 4);
    }
  });

  it('draws functions and derivatives in panels of their own, a derivative dashed in its function’s color', async () => {
    const spec = functionPlotSpec(series);
    const chart = await renderChart(spec);
    const functions = chart.data('series-function');
    const derivatives = chart.data('series-derivative');
    expect(functions.length + derivatives.length).toBe(series.reduce((n, s) => n + s.points.length, 0));
    expect(new Set(functions.map((r) => r.series))).toEqual(new Set(['σ(x)', 'relu(x)']));
    // Each panel has its own y scale: σ′ (peak ¼) is not squashed under relu's 5.
    const maxOf = (rows: readonly Record<string, unknown>[]) => Math.max(...rows.map((r) => r.y as number));
    expect(maxOf(functions)).toBeCloseTo(5, 6);
    expect(maxOf(derivatives)).toBe(1);
    expect(spec).toMatchObject({ resolve: { scale: { y: 'independent' } } });
    expect(markGroups(chart.svg, 'concat_0_layer_1_marks')).toBe(2);
    // ReLU′ is two pieces, not joined by a vertical line at its jump.
    expect(markGroups(chart.svg, 'concat_1_layer_1_marks')).toBe(3);
    const escaped = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (const s of series) expect(chart.svg).toContain(escaped(s.label));
    expect(chart.svg).toMatch(/stroke-dasharray="7,4"/);
  });

  it('draws a jump as a filled dot at the value taken and a hollow one at the other limit', async () => {
    const reluPrime = series[3];
    expect(reluPrime.jumps).toEqual([{ x: 0, taken: 0, left: 0, right: 1 }]);
    expect(series[0].jumps).toEqual([]);
    expect(series[2].jumps).toEqual([]); // relu has a kink, not a jump
    // No vertical segment inside a piece.
    for (const s of series) {
      for (let i = 1; i < s.points.length; i++) {
        const [a, b] = [s.points[i - 1], s.points[i]];
        if (a.piece === b.piece) expect(a.x === b.x && a.y !== b.y).toBe(false);
      }
    }
    const chart = await renderChart(functionPlotSpec(series));
    const dots = chart.data('jumps-derivative');
    expect(dots).toEqual([
      expect.objectContaining({ x: 0, y: 0, filled: 'taken' }),
      expect.objectContaining({ x: 0, y: 1, filled: 'limit' }),
    ]);
    expect(symbolsIn(chart.svg, 'concat_1_layer_2_marks')).toBe(2);
    // A step between samples (no sample on it) has two hollow dots.
    const [, step] = sampleFunctions(['relu(x − 0.3)'], { range: [-1, 1], derivative: true, points: 11 });
    expect(step.jumps).toHaveLength(1);
    expect(step.jumps[0].taken).toBeUndefined();
    expect(step.jumps[0].x).toBeCloseTo(0.3, 6);
  });

  it('breaks curves where they are undefined, and draws a derivative only where its function is defined', () => {
    const [inverse] = sampleFunctions(['1/x'], { range: [-1, 1], derivative: false });
    expect(inverse.points.some((p) => p.x === 0)).toBe(false);
    expect(new Set(inverse.points.map((p) => Math.sign(p.x) + ':' + p.piece)).size).toBe(2);
    const [log, logPrime] = sampleFunctions(['log(x)'], { range: [-1, 2], derivative: true });
    expect(Math.min(...log.points.map((p) => p.x))).toBeGreaterThan(0);
    expect(Math.min(...logPrime.points.map((p) => p.x))).toBeGreaterThan(0);
    expect(logPrime.label).toBe('d/dx log(x) = x⁻¹');
  });

  it('rejects functions of two variables and empty ranges', () => {
    expect(() => sampleFunctions(['x·y'], { range: [-1, 1], derivative: false, variable: 'x' })).toThrow(/one variable/);
    expect(() => sampleFunctions(['σ(x)'], { range: [1, 1], derivative: false })).toThrow(/empty/);
  });
});

describe('training plots', () => {
  let run: TrainingRun;
  const network = new Network();
  beforeAll(() => {
    run = train(trainingConfig({ units: 12, steps: 4000, snapshotEvery: 1000 }), generatedKernel(12, 40, PARAMETER_NAMES));
  });

  it('reads the learned function and every unit off the network program', () => {
    const s = run.snapshots[run.snapshots.length - 1];
    const frame = frameData(network, s);
    const p = s.params;
    // ŷ(x) = b₂ + Σᵢ W₂ᵢ relu(W₁ᵢx + b₁ᵢ), computed here independently of the program.
    for (const { x, y } of frame.learned) {
      const expected = p.b2 + Array.from(p.W1, (w, i) => p.W2[i] * Math.max(0, w * x + p.b1[i])).reduce((a, b) => a + b, 0);
      expect(y).toBeCloseTo(expected, 12);
    }
    // Each unit is drawn through its ends and its elbow; there the units add up to ŷ − b₂.
    for (const x of [0, 1]) {
      const units = frame.unitOutputs.filter((u) => u.x === x);
      expect(units.length).toBe(12);
      const yHat = frame.learned.find((q) => q.x === x)?.y as number;
      expect(p.b2 + units.reduce((a, u) => a + u.y, 0)).toBeCloseTo(yHat, 12);
    }
    for (const u of frame.unitOutputs) expect(u.y).toBeCloseTo(p.W2[u.unit] * Math.max(0, p.W1[u.unit] * u.x + p.b1[u.unit]), 12);
    // The elbows marked are exactly the −b₁ᵢ/W₁ᵢ inside [0, 1], and the grid contains them (sharp bends).
    const inside = Array.from({ length: 12 }, (_, i) => elbow(p, i)).filter((e) => e >= 0 && e <= 1);
    expect(frame.elbows.map((e) => e.x).sort()).toEqual(inside.sort());
    for (const e of frame.elbows) expect(frame.learned.some((q) => q.x === e.x)).toBe(true);
  });

  it('frames show the data, the ground truth, ŷ, the elbows and one line per unit', async () => {
    const frame = frameData(network, run.snapshots[2]);
    const chart = await renderChart(frameSpec(run, frame));
    expect(chart.data('data').length).toBe(200);
    expect(chart.data('learned').length).toBe(frame.learned.length);
    expect(chart.data('elbows').length).toBe(frame.elbows.length);
    expect(chart.data('units').length).toBe(24 + frame.elbows.length);
    expect(symbolsIn(chart.svg, 'concat_0_layer_0_marks')).toBe(200);
    expect(markGroups(chart.svg, 'concat_1_layer_0_marks')).toBe(12);
    expect(chart.svg).toContain('Step 2 000 of 4 000');
    for (const label of ['training data', 'ground truth', 'network ŷ', 'active right of its elbow']) expect(chart.svg).toContain(label);
  });

  it('the trajectories follow every unit through every snapshot; the error curves are on a log scale', async () => {
    const traj = await renderChart(trajectorySpec(run));
    const rows = traj.data('elbow-trajectories');
    expect(rows.length).toBe(12 * run.snapshots.length);
    expect(markGroups(traj.svg, 'concat_0_layer_1_marks')).toBe(12);
    expect(markGroups(traj.svg, 'concat_1_marks')).toBe(12);
    const last = run.snapshots[run.snapshots.length - 1];
    const unit3 = rows.filter((r) => r.unit === 3 && r.step === last.step)[0];
    expect(unit3.elbow).toBeCloseTo(elbow(last.params, 3), 14);
    expect(unit3.slope).toBeCloseTo(last.params.W2[3] * last.params.W1[3], 14);

    const err = await renderChart(errorSpec(run));
    const errors = err.data('errors');
    expect(errors.filter((r) => r.set === 'test').map((r) => r.mse)).toEqual(run.snapshots.map((s) => s.testMse));
    expect(err.svg).toContain('noise floor σ² = 0.01');
    const errorLayer = (errorSpec(run) as { layer: { encoding: { y: { scale: { type: string } } } }[] }).layer[0];
    expect(errorLayer.encoding.y.scale.type).toBe('log');
  });

  it('writes a frame per snapshot and a page that plays them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-train-'));
    const report = await writeTrainingReport(run, network, dir);
    const frames = readdirSync(join(dir, 'frames'));
    expect(frames.length).toBe(run.snapshots.length);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const f of frames) expect(html).toContain(`frames/${f}`);
    for (const f of ['fit.svg', 'elbows.svg', 'error.svg', 'run.json']) expect(existsSync(join(dir, f))).toBe(true);
    expect(report.files.length).toBe(frames.length + 5);
    expect(specWarnings).toEqual([]);
    // The run is named once, in the page title; the summary line and the charts do not repeat it.
    const text = html.replace(/<[^>]+>/g, ' ');
    expect(text.split(run.target.label).length - 1).toBe(2); // <title> and <h1>
    expect(readFileSync(join(dir, 'fit.svg'), 'utf8')).not.toContain(`${run.config.units} ReLU units`);
    expect(readFileSync(join(dir, 'elbows.svg'), 'utf8')).not.toContain(`${run.config.units} units`);
  });
});

describe('finite differences vs backprop', () => {
  it('takes the same gradient step, with a cost that grows faster in the number of parameters', async () => {
    const config = trainingConfig();
    const m = measureGradientCost({ sizes: [8, 32, 128], config, budget: 0.1, kernelFor: (h) => generatedKernel(h, 40, PARAMETER_NAMES) });
    for (const a of m.agreement) expect(a.relativeError).toBeLessThan(1e-4);
    const at = (h: number, method: string) => m.rows.find((r) => r.units === h && r.method === method)?.secondsPerStep as number;
    // 385 forward passes against one forward and one backward pass: at least 10× even on a busy machine.
    expect(at(128, 'finite differences')).toBeGreaterThan(10 * at(128, 'backprop'));
    expect(growthExponent(m.rows, 'finite differences')).toBeGreaterThan(growthExponent(m.rows, 'backprop') + 0.5);
    const chart = await renderChart(growthSpec(m));
    expect(chart.data('cost').length).toBe(6);
    expect(chart.svg).toContain('time ∝ P^');
  });
});

describe('the sample of npm start', () => {
  it('trains each configured run on generated code and writes the overview', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrule-sample-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      description: 'test',
      runs: [{ name: 'small', units: 10, target: 'sin', steps: 2000, frames: true }],
      activations: { expressions: ['σ(x)', 'relu(x)'], range: [-5, 5] },
      gradientCost: { sizes: [4, 16], budgetSeconds: 0.02 },
    }));
    const result = await runReluSgdSample(join(dir, 'out'), { configPath: config, progress: false });
    expect(result.runs.map((r) => r.name)).toEqual(['small']);
    expect(readdirSync(join(dir, 'out', 'small', 'frames')).length).toBe(3);
    const html = readFileSync(result.index, 'utf8');
    expect(html).toContain('small/index.html');
    expect(html).toContain('activations.svg');
    expect(readFileSync(join(dir, 'out', 'activations.svg'), 'utf8')).toContain('d/dx relu(x) = 𝟙[x &gt; 0]');
  });
});

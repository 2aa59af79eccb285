// The cost of one SGD step against the number of parameters, log-log: a straight line of slope k is
// time ∝ Pᵏ, so finite differences (k ≈ 2) and backprop (k ≈ 1) separate at a glance.
import type { CostMeasurement, GradientMethod } from '../train/gradient-cost.ts';
import { growthExponent } from '../train/gradient-cost.ts';
import type { TopLevelSpec } from './render.ts';

const METHODS: GradientMethod[] = ['finite differences', 'backprop'];
const COLORS = ['#d62728', '#1f77b4'];

export const methodLabel = (m: CostMeasurement, method: GradientMethod): string =>
  `${method === 'backprop' ? 'backprop (generated valueAndGrad)' : 'finite differences (P + 1 forward passes)'}: time ∝ P^${growthExponent(m.rows, method).toFixed(2)}`;

export function growthSpec(m: CostMeasurement): TopLevelSpec {
  const labels = METHODS.map((method) => methodLabel(m, method));
  const rows = m.rows.map((r) => ({ ...r, milliseconds: r.secondsPerStep * 1000, series: labels[METHODS.indexOf(r.method)] }));
  const largest = m.rows.reduce((a, r) => Math.max(a, r.parameters), 0);
  const ratio = (() => {
    const at = m.rows.filter((r) => r.parameters === largest);
    const fd = at.find((r) => r.method === 'finite differences');
    const bp = at.find((r) => r.method === 'backprop');
    return fd && bp ? fd.secondsPerStep / bp.secondsPerStep : NaN;
  })();
  const worstAgreement = Math.max(...m.agreement.map((a) => a.relativeError));
  const log = { type: 'log' } as const;
  return {
    width: 560,
    height: 340,
    title: {
      text: 'One SGD step: finite differences vs backprop',
      subtitle: [
        `${m.rows[0]?.units ?? ''}–${m.rows[m.rows.length - 1]?.units ?? ''} hidden units; at P = ${largest} parameters finite differences take ${ratio.toFixed(0)}× as long`,
        `the two gradients agree to a relative error of ${worstAgreement.toExponential(1)} at every size`,
      ],
    },
    data: { name: 'cost', values: rows },
    encoding: {
      x: { field: 'parameters', type: 'quantitative', title: 'parameters P = 3h + 1 (log scale)', scale: log },
      y: { field: 'milliseconds', type: 'quantitative', title: 'milliseconds per step (log scale)', scale: log },
      color: { field: 'series', type: 'nominal', title: null, sort: null, scale: { domain: labels, range: COLORS }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 } },
    },
    layer: [{ mark: { type: 'line', strokeWidth: 2.2 } }, { mark: { type: 'point', filled: true, size: 40 } }],
  };
}

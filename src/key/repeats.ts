// Within a problem, parts often share one computation: the same forward pass, and sometimes the
// same backward pass. A key shows each pass in full once, at its first part, and refers back to it
// after that ("as in (a)"), as a TA writes a solution sheet.
import type { Solution, SolvedProblem } from './solve.ts';

export interface Repeats {
  /** The label of the part whose forward pass this solution repeats. */
  readonly forwardAsIn?: string;
  readonly backwardAsIn?: string;
}

/** `(b)` for a part b, `2(a)` as it stands when the id already has its parentheses, `` for none. */
export const partLabel = (id: string): string => (id === '' ? '' : /[()]/.test(id) ? id : `(${id})`);

export function findRepeats(problem: SolvedProblem): Map<Solution, Repeats> {
  const out = new Map<Solution, Repeats>();
  const forwardSeen = new Map<string, string>();
  const backwardSeen = new Map<string, string>();
  for (const q of problem.parts) {
    const label = partLabel(q.part.id);
    for (const s of q.solutions) {
      if (!s.computation.show.includes('steps') || label === '') continue;
      const rows = (kind: string) => s.sections.filter((x) => x.kind === kind).flatMap((x) => x.rows).join('\n');
      const forward = rows('forward');
      const backward = `${s.computation.layout}\n${rows('backward')}`;
      const repeats: Repeats = { forwardAsIn: forwardSeen.get(forward), backwardAsIn: backwardSeen.get(backward) };
      if (!forwardSeen.has(forward)) forwardSeen.set(forward, label);
      if (!backwardSeen.has(backward)) backwardSeen.set(backward, label);
      out.set(s, repeats);
    }
  }
  return out;
}

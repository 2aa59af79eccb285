// Loop fusion: consecutive elementwise maps, reductions and sums over the same rows × cols space
// become one loop nest, so what a textbook writes as several passes runs as one:
//   • the forward layer relu(W₁X + b₁𝟙ᵀ) and the column sums W₂H that read it,
//   • the masked adjoint (W₂ᵀr ⊙ 𝟙[Z > 0]) and the row sums that give ∂W₁, ∂b₁ and ∂W₂,
//   • a gemv and what consumes its rows: (Wx)ᵢ − xᵢ and Σᵢ((Wx)ᵢ − xᵢ)², in the row loop.
// A value written and read only inside one nest, at the element being computed, is never stored.
//
// Legality, per element (i, j) of the nest: a member may read what an earlier member wrote only
// at the same element. The row sums of the body (reduce along j) are complete after row i's inner
// loop, so only the epilogue (per row i) may read them; column sums (reduce along i) and sums are
// complete only after the whole nest, so no member may read them.
import type { Fusible, Instr, ScalarExpr, Size, Value } from './program.ts';
import { gemmOrder, isScalarValue, loadsIn, readsOf, reindex, writesOf } from './program.ts';

/** A member in the nest's frame: vectors (1 × n or n × 1) run over index i. */
interface Member {
  readonly original: Fusible;
  readonly frame: Fusible;
}

interface Group {
  readonly rows: Size;
  readonly cols: Size;
  readonly head?: Extract<Instr, { kind: 'gemm' }>;
  readonly body: Member[];
  readonly epilogue: Member[];
  /** Scalar maps that read nothing of the group, emitted before it. */
  readonly before: Instr[];
}

const isFusible = (x: Instr): x is Fusible => (x.kind === 'map' && !isScalarValue(x.out)) || x.kind === 'sum' || x.kind === 'reduce';

/** The iteration space of a fusible instruction. */
function spaceOf(x: Fusible): [Size, Size] {
  return x.kind === 'map' ? [x.out.rows, x.out.cols] : [x.rows, x.cols];
}

/** The space in the nest's frame: a row-vector space (1 × n) runs as a column (n × 1). */
function frameSpace(x: Fusible): [Size, Size] {
  const [rows, cols] = spaceOf(x);
  return rows === 1 && cols !== 1 ? [cols, 1] : [rows, cols];
}

/** A row-vector space (1 × n) as a column (n × 1): the element index becomes i. */
function inFrame(x: Fusible): Fusible {
  const [rows, cols] = spaceOf(x);
  if (rows !== 1 || cols === 1) return x;
  const jToI = (e: ScalarExpr): ScalarExpr => reindex(e, (k) => (k === 'j' ? 'i' : k));
  if (x.kind === 'map') return { ...x, expr: jToI(x.expr) };
  if (x.kind === 'sum') return { ...x, rows: cols, cols: 1, expr: jToI(x.expr) };
  return x; // a reduce always has two sides
}

const isVectorValue = (v: Value): boolean => v.rows === 1 || v.cols === 1;

/** Whether every load of `written` values in `x` reads the element being computed. */
function readsOnlyHere(x: Fusible, allowed: ReadonlySet<Value>, forbidden: ReadonlySet<Value>, twoSided: boolean): boolean {
  const exprs = [x.expr, ...(x.kind === 'reduce' && x.scale ? [x.scale] : [])];
  for (const e of exprs) {
    for (const l of loadsIn(e)) {
      if (forbidden.has(l.value)) return false;
      if (!allowed.has(l.value)) continue;
      const here = twoSided ? l.row === 'i' && l.col === 'j' && !isVectorValue(l.value) : isVectorValue(l.value) && (l.row === 'i' || l.col === 'i');
      if (!here) return false;
    }
  }
  return true;
}

const sameSize = (a: Size, b: Size): boolean => a === b;

/** What the group has written, split by when it is complete. */
function written(g: Group): { perElement: Set<Value>; perRow: Set<Value>; atEnd: Set<Value> } {
  const perElement = new Set<Value>();
  const perRow = new Set<Value>();
  const atEnd = new Set<Value>();
  const twoSided = g.cols !== 1;
  if (g.head) perElement.add(g.head.out);
  for (const m of g.body) {
    const x = m.frame;
    if (x.kind === 'map') perElement.add(x.out);
    else if (x.kind === 'reduce' && x.along === 'j') perRow.add(x.out);
    else atEnd.add(x.out);
  }
  for (const m of g.epilogue) (m.frame.kind === 'map' ? perRow : atEnd).add(m.frame.out);
  // In a one-sided (vector) nest, the element is the row: per-element values are per-row too.
  if (!twoSided) for (const v of perElement) perRow.add(v);
  return { perElement, perRow, atEnd };
}

/** Adds x to the group's body (same space, reads only the element) or its epilogue (a vector over
 * the rows, reading row sums and earlier epilogue values at row i). */
function join(g: Group, x: Fusible): boolean {
  const frame = inFrame(x);
  const [rows, cols] = frameSpace(x);
  const w = written(g);
  const twoSided = g.cols !== 1;
  if (sameSize(rows, g.rows) && sameSize(cols, g.cols)) {
    const forbidden = new Set([...w.atEnd, ...(twoSided ? w.perRow : [])]);
    if (readsOnlyHere(frame, w.perElement, forbidden, twoSided)) {
      g.body.push({ original: x, frame });
      return true;
    }
    return false;
  }
  if (twoSided && sameSize(rows, g.rows) && cols === 1 && frame.kind !== 'reduce') {
    if (readsOnlyHere(frame, w.perRow, new Set([...w.atEnd, ...w.perElement]), false)) {
      g.epilogue.push({ original: x, frame });
      return true;
    }
  }
  return false;
}

function toInstr(g: Group): Instr[] {
  const members = [...g.body, ...g.epilogue];
  if (g.head && members.length === 0) return [...g.before, g.head];
  if (!g.head && members.length === 1) return [...g.before, members[0].original];
  return [...g.before, { kind: 'loop', rows: g.rows, cols: g.cols, head: g.head, body: g.body.map((m) => m.frame), epilogue: g.epilogue.map((m) => m.frame), locals: new Set() }];
}

/** A product can head a nest unless it is mirrored from the other triangle (AAᵀ): its elements
 * are complete row by row or element by element. AᵀB, alone computed with p outermost, then runs
 * row by row, reading one element of A down a column per row of B (see productHead). */
const canHead = (x: Instr): x is Extract<Instr, { kind: 'gemm' }> => x.kind === 'gemm' && !x.symmetric;

/** How far ahead a nest looks for instructions it can take in early. */
const LOOKAHEAD = 8;

/** Fuses runs of instructions into loop nests, then marks the values that can stay local. An
 * instruction that cannot join ends the nest, unless one of the next few can join and reads
 * nothing the skipped ones write (moving it earlier then changes no value): ∂W₂ = r hᵀ joins the
 * loop of W₂ᵀr past the mask between them. */
export function fuse(instrs: readonly Instr[], results: ReadonlySet<Value>): Instr[] {
  const out: Instr[] = [];
  const moved = new Set<number>();
  let group: Group | undefined;
  const close = () => {
    if (group) out.push(...toInstr(group));
    group = undefined;
  };
  const pullForward = (g: Group, from: number) => {
    const skippedWrites = new Set<Value>();
    for (let k = from; k < Math.min(instrs.length, from + 1 + LOOKAHEAD); k++) {
      if (moved.has(k)) continue;
      const y = instrs[k];
      if (k > from && isFusible(y) && !readsOf(y).some((v) => skippedWrites.has(v)) && join(g, y)) moved.add(k);
      else for (const v of writesOf(y)) skippedWrites.add(v);
    }
  };
  for (let k = 0; k < instrs.length; k++) {
    if (moved.has(k)) continue;
    const x = instrs[k];
    if (group && isFusible(x) && join(group, x)) continue;
    if (group && x.kind === 'map' && isScalarValue(x.out)) {
      const w = written(group);
      const all = new Set([...w.perElement, ...w.perRow, ...w.atEnd]);
      if (!readsOf(x).some((v) => all.has(v))) {
        group.before.push(x);
        continue;
      }
    }
    if (group) pullForward(group, k);
    close();
    if (isFusible(x)) {
      const frame = inFrame(x);
      const [rows, cols] = frameSpace(x);
      group = { rows, cols, body: [{ original: x, frame }], epilogue: [], before: [] };
    } else if (canHead(x)) group = { rows: x.out.rows, cols: x.out.cols, head: x, body: [], epilogue: [], before: [] };
    else out.push(x);
  }
  close();
  return withLocals(out, results);
}

/** A value written by a nest and read by no other instruction, not a result and not accumulated
 * in its storage (column sums across rows, a product computed row by row), lives in a local. */
function withLocals(instrs: Instr[], results: ReadonlySet<Value>): Instr[] {
  const readers = new Map<Value, number>();
  for (const x of instrs) for (const v of new Set(readsOf(x))) readers.set(v, (readers.get(v) ?? 0) + 1);
  return instrs.map((x) => {
    if (x.kind !== 'loop') return x;
    const ownReads = new Set(readsOf(x));
    const candidates = [
      ...(x.head && gemmOrder(x.head) === 'dots' ? [x.head.out] : []),
      ...[...x.body, ...x.epilogue].filter((m) => !(m.kind === 'reduce' && m.along === 'i')).map((m) => m.out),
    ];
    const locals = new Set<Value>();
    for (const v of candidates) {
      if (v.role !== 'temp' || results.has(v) || isScalarValue(v)) continue;
      const outside = (readers.get(v) ?? 0) - (ownReads.has(v) ? 1 : 0);
      if (outside === 0) locals.add(v);
    }
    return { ...x, locals };
  });
}

// Pass 2: typed tree → interned IR. Every dimension is now known or gets a fresh symbol
// (`n`, `m`, … not otherwise used), and the constructors of `ir/` build the DAG. Shared typed
// subtrees (a definition used twice) become one node.
import * as C from '../ir/construct.ts';
import type { Node } from '../ir/node.ts';
import type { Dim, Shape } from '../ir/shape.ts';
import { shape } from '../ir/shape.ts';
import type { DimTerm } from './dims.ts';
import { find } from './dims.ts';
import type { Typed } from './typed.ts';

const FRESH_NAMES = ['n', 'm', 'k', 'p', 'q', 'r', 'd', 'h', 'l', 's', 't', 'u', 'v'];

export class Resolver {
  private readonly memo = new Map<Typed, Node>();
  private readonly freshNames: string[];
  /** After the single letters: n1, n2, … (the same program gets the same names every time). */
  private numbered = 0;

  constructor(private readonly taken: ReadonlySet<string>) {
    this.freshNames = FRESH_NAMES.filter((n) => !taken.has(n));
  }

  dim(t: DimTerm): Dim {
    const root = find(t);
    if (root.value === undefined) {
      root.value = this.freshNames.shift() ?? this.nextNumbered();
      root.origin = 'inferred';
    }
    return root.value;
  }

  private nextNumbered(): string {
    let name: string;
    do name = `n${++this.numbered}`;
    while (this.taken.has(name));
    return name;
  }

  shapeOf(t: Typed): Shape {
    return shape(this.dim(t.rows), this.dim(t.cols));
  }

  node(t: Typed): Node {
    const known = this.memo.get(t);
    if (known) return known;
    // Operands first, iteratively: typed trees of huge inputs are deep.
    const stack: { t: Typed; args: readonly Typed[]; i: number }[] = [{ t, args: operands(t), i: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (this.memo.has(top.t)) {
        stack.pop();
        continue;
      }
      if (top.i < top.args.length) {
        const child = top.args[top.i++];
        if (!this.memo.has(child)) stack.push({ t: child, args: operands(child), i: 0 });
        continue;
      }
      this.memo.set(top.t, this.construct(top.t, top.args.map((a) => this.memo.get(a) as Node)));
      stack.pop();
    }
    return this.memo.get(t) as Node;
  }

  private construct(t: Typed, args: Node[]): Node {
    return C.make(t.op, t.attr, args, this.shapeOf(t));
  }
}

/**
 * The operands a typed node is built from. A product written as juxtaposition (`WW…Wx`) is a
 * left-leaning tree of binary products; its factors are gathered into one chain, so the n-ary
 * product is built once (building it factor by factor copies the chain each time: quadratic, and a
 * 20 000-factor product took minutes). The IR constructor flattens nested products anyway, so the
 * node is the same.
 */
function operands(t: Typed): readonly Typed[] {
  if (t.op !== 'matmul' || !t.args.some((a) => a.op === 'matmul')) return t.args;
  const chain: Typed[] = [];
  const pending: Typed[] = [t];
  while (pending.length) {
    const u = pending.pop() as Typed;
    if (u.op === 'matmul') for (let i = u.args.length - 1; i >= 0; i--) pending.push(u.args[i]);
    else chain.push(u);
  }
  return chain;
}

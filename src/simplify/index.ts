// The simplifier: a bottom-up fixpoint over the named rules of `rules.ts`. Operands are simplified
// first (memoized on node identity, so shared subexpressions are simplified once), then the rules
// for the node's op are tried until none applies. A cap on rewrites per node guarantees
// termination; `fired` counts which rules applied, for --explain and for steps.
import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/node.ts';
import { rebuild } from '../ir/construct.ts';
import type { AnyRule, RuleContext } from './rules.ts';
import { RULES, RULES_BY_OP } from './rules.ts';

export { RULES };
export type { AnyRule as Rule };

/** Rewrites applied to one node (and its replacements) before the driver gives up on it. */
export const MAX_REWRITES_PER_NODE = 64;
/** How deep cost-guarded rules may nest their trial simplifications. */
export const MAX_CANDIDATE_NESTING = 3;

export interface SimplifyTrace {
  /** Rule name → how many times it fired. */
  readonly fired: Map<string, number>;
  /** Each application in order: the rule, the node before and after. */
  readonly steps: { rule: AnyRule; before: Node; after: Node }[];
}

export class Simplifier {
  private readonly memo = new Map<Node, Node>();
  readonly trace: SimplifyTrace = { fired: new Map(), steps: [] };
  private budgetExhausted = false;
  /** What rules may ask of this simplifier: cost-guarded rules simplify their candidates here. */
  private readonly context: RuleContext = { simplify: (node) => this.candidate(node) };
  /** How deep cost-guarded rules are simplifying candidates inside candidates. */
  private nesting = 0;

  /** `exclude` names rules this simplifier must not apply (steps keep products of intermediates
   * factored, as the notes write them: (y − t)y(1 − y), not a polynomial in y). */
  constructor(
    private readonly recordSteps = false,
    private readonly options: { readonly exclude?: readonly string[] } = {},
  ) {}

  /** True when some node hit the rewrite cap (the result is still equal, just maybe not simplest). */
  get capped(): boolean {
    return this.budgetExhausted;
  }

  simplify(root: Node): Node {
    // Simplify operands bottom-up without recursion (deep graphs), then the root. A node already
    // simplified had its operands simplified too: the walk does not go below it.
    for (const node of topoSort([root], (n) => this.memo.has(n))) this.node(node);
    return this.node(root);
  }

  private node(node: Node): Node {
    const known = this.memo.get(node);
    if (known) return known;
    let current = node;
    for (let rewrites = 0; ; rewrites++) {
      if (rewrites >= MAX_REWRITES_PER_NODE) {
        this.budgetExhausted = true;
        break;
      }
      // Operands first. Rebuilding normalizes through the constructors, which can make new operands
      // (2𝟙 ⊙ 2𝟙 → 4(𝟙 ⊙ 𝟙)); those are simplified too, so the result is a fixpoint.
      const rebuilt = rebuild(current, current.args.map((a) => this.simplifyDeep(a)));
      if (rebuilt !== current) {
        current = rebuilt;
        continue;
      }
      const next = this.applyOnce(current);
      if (!next) break;
      current = next;
    }
    this.memo.set(node, current);
    this.memo.set(current, current);
    return current;
  }

  /** A cost-guarded rule's candidate, simplified. Candidates inside candidates are simplified only
   * MAX_CANDIDATE_NESTING deep: beyond that a candidate comes back as it is (and so is rejected), which
   * stops two guarded rules from proposing each other's rewrites forever. */
  private candidate(node: Node): Node {
    if (this.nesting >= MAX_CANDIDATE_NESTING) return node;
    this.nesting++;
    try {
      return this.simplifyDeep(node);
    } finally {
      this.nesting--;
    }
  }

  private simplifyDeep(node: Node): Node {
    const known = this.memo.get(node);
    if (known) return known;
    for (const n of topoSort([node], (m) => this.memo.has(m))) if (!this.memo.has(n)) this.node(n);
    return this.memo.get(node) as Node;
  }

  private applyOnce(node: Node): Node | undefined {
    for (const r of RULES_BY_OP.get(node.op) ?? []) {
      if (this.options.exclude?.includes(r.name)) continue;
      const after = (r.rewrite as (n: Node, c: RuleContext) => Node | undefined)(node, this.context);
      if (after && after !== node) {
        this.trace.fired.set(r.name, (this.trace.fired.get(r.name) ?? 0) + 1);
        if (this.recordSteps) this.trace.steps.push({ rule: r, before: node, after });
        return after;
      }
    }
    return undefined;
  }
}

/** Simplifies one expression. */
export function simplify(node: Node): Node {
  return new Simplifier().simplify(node);
}

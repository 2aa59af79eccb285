// The answer key as a complete LaTeX document (pdflatex, Debian's texlive-latex-base, -extra and
// -pictures): each problem as stated, a boxed final answer, the forward and backward passes as
// align* blocks, the computation graph in TikZ, and a shape table.
import { checkedMath } from './math.ts';
import type { Repeats } from './repeats.ts';
import { findRepeats, partLabel } from './repeats.ts';
import { splitMath } from './problems.ts';
import { failureText } from './solve.ts';
import type { Solution, SolvedPart, SolvedSheet } from './solve.ts';

const PREAMBLE = String.raw`\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{xcolor}
\usepackage{tikz}
\usetikzlibrary{shapes.geometric}
\usepackage{adjustbox}
\usepackage{booktabs}
\usepackage{parskip}
% The printer writes the indicator as \mathbb{1}[...]; amssymb has no blackboard digits.
\let\chainruleBB\mathbb
\renewcommand{\mathbb}[1]{\if1#1\mathrm{1\!\!1}\else\chainruleBB{#1}\fi}
\newcommand{\answerbox}[1]{\par\noindent\fcolorbox{black!35}{black!2}{\begin{minipage}{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}#1\end{minipage}}\par}
\setlength{\jot}{4pt}
\allowdisplaybreaks
`;

/** What each character special to LaTeX (or typeset wrongly in its default OT1 font: < > |) becomes;
 * $ in math, because OT1's text dollar would need a bitmap font. */
const LATEX_TEXT_CHARS: Readonly<Record<string, string>> = {
  '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', '$': '\\ensuremath{\\$}', '&': '\\&', '%': '\\%', '#': '\\#', '_': '\\_',
  '^': '\\textasciicircum{}', '~': '\\textasciitilde{}', '<': '\\textless{}', '>': '\\textgreater{}', '|': '\\textbar{}', '−': '-',
};

/**
 * The one way text from a problem file enters the .tex: every character special to LaTeX is
 * escaped in one pass (so an escape is never escaped again), control characters are dropped, and
 * math between $…$ passes only through the command check (problem files are checked on load).
 * Nothing the text says can become a command: no \input, \openin, \write18 from user text.
 */
export function latexText(s: string): string {
  return splitMath(s)
    .map((p) => (p.math ? `$${checkedMath(p.text)}$` : p.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').replace(/'([^']*)'/g, '`$1\'').replace(/[\\{}$&%#_^~<>|−]/g, (c) => LATEX_TEXT_CHARS[c])))
    .join('');
}

const align = (rows: readonly string[]): string => `\\begin{align*}\n${rows.join(' \\\\\n')}\n\\end{align*}`;

function solution(s: Solution, repeats: Repeats = {}): string {
  const out: string[] = [];
  const show = new Set(s.computation.show);
  if (show.has('answers')) {
    const rows = s.answers.flatMap((a) => (a.expanded ? [`${a.symbol.latex} &= ${a.named.latex}`, `&= ${a.expanded.latex} && \\in ${a.shape.latex}`] : [`${a.symbol.latex} &= ${a.named.latex} && \\in ${a.shape.latex}`]));
    out.push(`\\answerbox{\\textbf{Answer.}${s.computation.layout === 'numerator' || s.second ? ' (numerator layout)' : ''}\n${align(rows)}}`);
  }
  if (show.has('steps')) {
    // Heading and display in one paragraph: a blank line between them would add \parskip to the display's own space.
    for (const sec of s.sections) {
      const asIn = sec.kind === 'forward' ? repeats.forwardAsIn : sec.kind === 'backward' ? repeats.backwardAsIn : undefined;
      if (asIn) out.push(`\\textbf{${sec.title}} as in ${latexText(asIn)}.`);
      else out.push(`${sec.note ? `\\textbf{${sec.title}} (${latexText(sec.note)}).` : `\\textbf{${sec.title}.}`}\n${align(sec.rows)}`);
    }
  }
  if (show.has('graph')) {
    // At most 40% of a page tall, so a graph fits beside its part instead of floating a page on.
    out.push(`\\begin{center}\n\\begin{adjustbox}{max width=\\linewidth, max totalheight=0.4\\textheight}\n${s.tikz.trim()}\n\\end{adjustbox}\n\\end{center}`);
  }
  if (show.has('shapes')) {
    const rows = s.shapes.map((r) => `$${r.symbol.latex}$ & ${r.meaning === 'variable' ? 'variable' : `$${r.meaning.latex}$`} & $${r.shape.latex}$ \\\\`);
    out.push(`\\begin{center}\n\\small\\begin{tabular}{lll}\n\\toprule\nsymbol & definition & shape \\\\\n\\midrule\n${rows.join('\n')}\n\\bottomrule\n\\end{tabular}\n\\end{center}`);
  }
  return out.join('\n\n');
}

function part(p: SolvedPart, repeats: Map<Solution, Repeats>): string {
  const head = p.part.id ? `\\paragraph{${latexText(partLabel(p.part.id))}}` : '';
  const body = [`${head} ${latexText(p.part.statement)}`, ...p.solutions.map((s) => solution(s, repeats.get(s)))];
  if (p.part.answer) body.push(`\\textit{Answer.} ${latexText(p.part.answer)}`);
  // Not solved: the error, in ASCII (its symbols would need fonts pdflatex lacks; stderr has them all).
  for (const f of p.failures ?? []) body.push(`\\textbf{Not solved.} ${latexText(failureText(f)).replace(/[^\x00-\x7f]/g, '?')}`);
  return body.join('\n\n');
}

export function toLatexDocument(sheets: readonly SolvedSheet[], title = 'Answer key: backpropagation and computation graphs'): string {
  const body: string[] = [];
  for (const s of sheets) {
    body.push(`\\section*{${latexText(s.sheet.sheet)}}`);
    if (s.sheet.course) body.push(`{\\small\\color{black!60} ${latexText(s.sheet.course)}}`);
    for (const p of s.problems) {
      body.push(`\\subsection*{${latexText(`Problem ${p.problem.id}: ${p.problem.title}`)}}`);
      if (p.problem.statement) body.push(latexText(p.problem.statement));
      const repeats = findRepeats(p);
      body.push(...p.parts.map((q) => part(q, repeats)));
    }
    body.push('\\clearpage');
  }
  return `${PREAMBLE}\\title{${latexText(title)}}\n\\author{written by chainrule}\n\\date{}\n\\begin{document}\n\\maketitle\n\n${body.join('\n\n')}\n\\end{document}\n`;
}

// The `chainrule` command line as a commander program: each command lives in `commands/`; this file
// lists them (no registration by import side effects) and sets what they share. main.ts runs it.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { visible } from '../errors.ts';
import { registerDiffCommands } from './commands/diff.ts';
import { registerSecondOrderCommands } from './commands/second.ts';
import { registerLanguageCommands } from './commands/language.ts';
import { registerPlotCommand } from './commands/plot.ts';
import { registerTrainCommands } from './commands/train.ts';
import { registerStepsCommands } from './commands/steps.ts';
import { registerGraphCommands } from './commands/graph.ts';
import { registerKeyCommands } from './commands/key.ts';
import { registerCodegenCommand } from './commands/codegen.ts';

/** The installed package's version: package.json is two folders up from src/cli/ and from dist/cli/ alike. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('chainrule')
    .description('Symbolic matrix calculus for homework, answer keys and gradient code.\nType expressions as written: ‖Wx − x‖², −γ/2·log|αAAᵀ+β⁻¹I|, z = wx + b; y = σ(z).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'show stack traces for internal errors')
    .configureOutput({ outputError: (text, write) => write(optionError(text, 'chainrule')) })
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
      process.exit(2);
    });
  for (const register of [registerLanguageCommands, registerDiffCommands, registerSecondOrderCommands, registerStepsCommands, registerGraphCommands, registerKeyCommands, registerPlotCommand, registerCodegenCommand, registerTrainCommands]) register(program);
  for (const c of program.commands) {
    c.option('--debug', 'show stack traces for internal errors');
    c.configureOutput({ outputError: (text, write) => write(optionError(text, `chainrule ${c.name()}`)) });
  }
  program.addHelpText('after', `
Examples:
  $ chainrule diff '‖Wx − x‖²' --wrt W
  $ chainrule latex '−γ/2·log|αAAᵀ+β⁻¹I|'
  $ chainrule check '(y − bᵀσ(Ax))²' --wrt A,b --where 'A: h×m'

Exit codes: 0 ok, 1 internal error (a bug), 2 bad input, 3 a check found a mismatch.`);
  return program;
}

/** A command-line mistake as one `error:` line and a hint, like every other bad input: commander's
 * `(Did you mean --format?)` becomes the hint, else a pointer to the command's --help. */
export function optionError(text: string, command: string): string {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const suggestion = lines.map((l) => /^\(Did you mean (.+)\?\)$/.exec(l)?.[1]).find((m) => m !== undefined);
  const message = visible(lines.filter((l) => !/^\(Did you mean .+\?\)$/.test(l)).join(' ').replace(/^error:\s*/, ''));
  const hint = suggestion ? `did you mean ${visible(suggestion)}? (${command} --help lists the options)` : command === 'chainrule' ? 'chainrule --help lists the commands, with examples' : `${command} --help lists the options, with examples`;
  return `error: ${message}\nhint: ${hint}\n`;
}

/** `chainrule diff '-x^2' …`: an expression may start with a minus sign. Any argument that starts
 * with `-` but is not one of the flags is an expression; its ASCII minus becomes −, which the
 * grammar reads the same, so the option parser leaves it alone. */
export function expressionsNotFlags(argv: readonly string[], program: Command): string[] {
  const flags = new Set<string>(['-h', '--help', '-V', '--version', '--']);
  const collect = (c: Command) => {
    for (const o of c.options) for (const f of [o.short, o.long]) if (f) flags.add(f);
    c.commands.forEach(collect);
  };
  collect(program);
  // A lone `-` is stdin. `--word` (two letters or more) is an option even when it is not one of
  // ours: `parse --foo` is an unknown option, not the expression −(−foo).
  const isExpression = (arg: string) => arg.length > 1 && /^-/.test(arg) && !flags.has(arg.split('=')[0]) && !/^--[A-Za-z][A-Za-z0-9-]+(?:=|$)/.test(arg);
  return argv.map((arg, i) => (i >= 2 && isExpression(arg) ? `−${arg.slice(1)}` : arg));
}

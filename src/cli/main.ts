#!/usr/bin/env node
// The `chainrule` command: builds the program (program.ts) and runs it on the command line.
import { buildProgram, expressionsNotFlags } from './program.ts';

const program = buildProgram();
await program.parseAsync(expressionsNotFlags(process.argv, program));

#!/usr/bin/env node
// The `keyward` command (package.json "bin"). The CLI is TypeScript run through tsx's loader,
// so a clone works with `npx keyward` and no build step. The exit code is set, not forced with
// process.exit: `keyward serve` must keep running, and other commands end when nothing is left.
import process from 'node:process';
import { register } from 'tsx/esm/api';

// `keyward … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));

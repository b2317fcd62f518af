#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx threadfinder` works without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('#cli/cli.ts');
await runCli(process.argv.slice(2));

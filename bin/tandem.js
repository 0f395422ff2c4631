#!/usr/bin/env node
// tandem's command line. TypeScript sources run through tsx, so a fresh clone needs only
// `npm install` before `npx tandem <command>`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `runbook` command. The TypeScript sources are compiled to dist/, and the command line bundled into
// dist/bin/, by `npm ci` (the prepare script).
import { run } from '../dist/bin/main.js';

await run();

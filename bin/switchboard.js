#!/usr/bin/env node
// The control-plane CLI (built: run `npm run build` first).
import { main } from '../dist/controlplane/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

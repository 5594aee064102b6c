import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflows, PREBUNDLED_PATH } from '../worker/bundle.js';

// Build step: prebundle workflows so the production worker starts without webpack.
const started = performance.now();
const bundle = await bundleWorkflows();
mkdirSync(dirname(PREBUNDLED_PATH), { recursive: true });
writeFileSync(PREBUNDLED_PATH, bundle.code);
console.log(`workflow bundle written (${(bundle.code.length / 1024).toFixed(0)} KiB) in ${Math.round(performance.now() - started)} ms`);

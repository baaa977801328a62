#!/usr/bin/env node
// `npm start`: the Electron app where its binary can launch, else the same app in the browser
// (loopback web host). The logic lives in src/app/launcher/start.ts (run through tsx).
import { runTs } from '../bin/run-ts.mjs';

await runTs('../src/app/launcher/start.ts');

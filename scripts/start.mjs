#!/usr/bin/env node
// `npm start`: the Electron app where its binary can launch, else the same app in the browser
// (loopback web host). The logic lives in src/app/launcher/start.ts, run through tsx: `npm start`
// is the development launcher (it builds the renderer with vite), so it has the dev dependencies.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/app/launcher/start.ts', import.meta.url).href);

/**
 * Builds the approver UI (renderer/) into dist-renderer/. The relative base lets the same
 * bundle load from the Electron app's file:// origin and from the loopback web host.
 *
 * `vite build --mode fake` builds a development bundle whose window.heso is an in-memory
 * fake (renderer/dev/fake-bridge.ts) into dist/renderer-fake/; production builds compile
 * the fake out entirely (the constant below is false, so the dynamic import is dropped).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig(({ mode }) => {
  const fake = mode === 'fake';
  return {
    root: 'renderer',
    base: './',
    plugins: [react()],
    define: { __HESO_FAKE_BRIDGE__: JSON.stringify(fake) },
    build: {
      outDir: fake ? '../dist/renderer-fake' : '../dist-renderer',
      emptyOutDir: true,
      // No inline modulepreload polyfill script: the CSP allows only 'self' scripts.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      sourcemap: false,
      target: 'es2022',
    },
  };
});

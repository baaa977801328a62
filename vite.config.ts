/**
 * Builds the approver UI (renderer/) into dist-renderer/. The relative base lets the same
 * bundle load from the Electron app's file:// origin and from the loopback web host.
 *
 * `vite build --mode fake` builds a development bundle whose window.heso is an in-memory
 * fake (renderer/dev/fake-bridge.ts) into dist/renderer-fake/; production builds compile
 * the fake out entirely (the constant below is false, so the dynamic import is dropped).
 */
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CSP_META_PLACEHOLDER, META_CONTENT_SECURITY_POLICY } from './src/app/content-security-policy.ts';

/** Writes the one Content-Security-Policy (src/app/content-security-policy.ts) into index.html's <meta>. */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'heso-csp-meta',
    transformIndexHtml(html) {
      if (!html.includes(CSP_META_PLACEHOLDER)) {
        throw new Error(
          `renderer/index.html: the CSP meta placeholder ${CSP_META_PLACEHOLDER} is missing; put it back as the content of <meta http-equiv="Content-Security-Policy">`,
        );
      }
      return html.replaceAll(CSP_META_PLACEHOLDER, () => META_CONTENT_SECURITY_POLICY);
    },
  };
}

export default defineConfig(({ mode }) => {
  const fake = mode === 'fake';
  return {
    root: 'renderer',
    base: './',
    plugins: [react(), contentSecurityPolicyMeta()],
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

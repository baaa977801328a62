/**
 * Builds the single-file verifier page (verifier/) into dist/verifier/heso-verifier.html:
 * one HTML file with its script and styles inlined, that works when opened from disk with no
 * network. Its CSP allows exactly those two inline blocks (by hash) and nothing else: no
 * connections, no other scripts, styles, images, frames or form targets.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { VERIFIER_PAGE_NAME } from './src/cli/verifier-page.ts';

const CSP_PLACEHOLDER = '__HESO_VERIFIER_CSP__';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Inlines the one script chunk and the one stylesheet into the HTML and pins both in the CSP. */
function singleFile(): Plugin {
  return {
    name: 'heso-single-file',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const html = bundle['index.html'];
      if (html?.type !== 'asset') throw new Error('verifier page: index.html missing from the build');
      let page = String(html.source);
      const files = Object.values(bundle);
      const scripts = files.filter((f) => f.type === 'chunk');
      const styles = files.filter((f) => f.type === 'asset' && f.fileName.endsWith('.css'));
      if (scripts.length !== 1 || styles.length !== 1)
        throw new Error(
          `verifier page: expected one script and one stylesheet, got ${scripts.length} and ${styles.length}`,
        );
      const script = scripts[0]!.type === 'chunk' ? scripts[0]!.code.replaceAll('</script', '<\\/script') : '';
      const style = styles[0]!.type === 'asset' ? String(styles[0]!.source) : '';
      page = page
        .replace(/<script type="module" crossorigin src="[^"]+"><\/script>/, () => '')
        .replace(/<link rel="stylesheet" crossorigin href="[^"]+">/, () => '')
        .replace('</head>', () => `<style>${style}</style>\n</head>`)
        .replace('</body>', () => `<script type="module">${script}</script>\n</body>`);
      const csp = [
        "default-src 'none'",
        `script-src ${sha256(script)}`,
        `style-src ${sha256(style)}`,
        'img-src data:',
        "base-uri 'none'",
        "form-action 'none'",
      ].join('; ');
      if (!page.includes(CSP_PLACEHOLDER)) throw new Error('verifier page: the CSP placeholder is missing');
      page = page.replace(CSP_PLACEHOLDER, () => csp);
      for (const file of [...scripts, ...styles]) delete bundle[file.fileName];
      delete bundle['index.html'];
      this.emitFile({ type: 'asset', fileName: VERIFIER_PAGE_NAME, source: page });
    },
  };
}

export default defineConfig({
  // Absolute, so the build works from any working directory (heso verify --page builds it on demand).
  root: fileURLToPath(new URL('./verifier', import.meta.url)),
  base: './',
  plugins: [singleFile()],
  logLevel: 'warn',
  build: {
    outDir: '../dist/verifier',
    emptyOutDir: false, // dist/verifier/ may hold a concurrent build's directory (src/cli/verifier-page.ts)
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
  },
});

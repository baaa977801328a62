// Runs one of the CLIs from its JavaScript bundle in dist/cli/ (scripts/build-cli.mjs builds it;
// `npm ci` / `npm install` run that build through `prepare`). No TypeScript loader at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function runCli(name) {
  const bundle = new URL(`../dist/cli/${name}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(bundle))) {
    const root = fileURLToPath(new URL('..', import.meta.url));
    process.stderr.write(
      `${name}: this copy of HESO is not built (dist/cli/${name}.js is missing).\n` +
        `Run \`npm run build:cli\` in ${root} (\`npm ci\` and \`npm install\` run it for you), then try again.\n`,
    );
    process.exit(1);
  }
  await import(bundle.href);
}

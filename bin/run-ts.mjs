// Loads a TypeScript entry point through tsx, so the CLIs run from a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();

export async function runTs(relativePath) {
  await import(new URL(relativePath, import.meta.url).href);
}

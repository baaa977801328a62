/** Declarations for scripts/build-packages.mjs (tests import it). */
/** Builds dist/packages/{core,sdk}/ unless the sources are unchanged since the last build; returns dist/packages. */
export function buildPackages(options?: { force?: boolean }): Promise<string>;
/** `npm pack` of both packages into `dir`; returns the tarballs' paths, core first. */
export function packPackages(dir: string): string[];

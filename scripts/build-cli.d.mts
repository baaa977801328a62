/** Declarations for scripts/build-cli.mjs (scripts and tests import it). */
/** dist/cli/: the bundled CLIs bin/*.mjs run. */
export const CLI_DIR: string;
/** Builds dist/cli/ unless its inputs are unchanged since the last build; returns dist/cli. */
export function buildCli(options?: { force?: boolean }): Promise<string>;

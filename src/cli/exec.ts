export async function runExec(_argv: string[]): Promise<number> {
  return 2;
}

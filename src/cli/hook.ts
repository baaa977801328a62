export async function runHook(_argv: string[]): Promise<number> {
  return 2;
}

/**
 * What the Secret Service itself holds, read with `secret-tool` (not through our own key store,
 * so a test can see what our code left behind).
 */
import { execFileSync } from 'node:child_process';

/**
 * Keychain item labels (`keyring:<account>@<service>`) that the Secret Service itself finds
 * for the service, read with `secret-tool`. Only labels are kept: the output also holds secrets.
 */
export function keychainLabels(service: string): string[] {
  const out = execFileSync('secret-tool', ['search', '--all', 'service', service], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return [...out.matchAll(/^label = (.*)$/gm)].map((match) => match[1] ?? '');
}

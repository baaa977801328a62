/**
 * App settings (notifications, launch at login, close to tray) in a small JSON file next to
 * the engine's config. Writes are atomic (temp file + rename, 0600) and serialised, so a crash
 * mid-write leaves the previous file intact. A missing or unreadable file means defaults:
 * settings are preferences, never a reason not to start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type AppInfo, Settings } from './contract.ts';
import type { SettingsPort } from './dispatch.ts';

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  notifications: true,
  launchAtLogin: false,
  closeToTray: true,
});

/**
 * Where each shell keeps its settings: the desktop app in Electron's per-user data directory
 * (`dir` = `app.getPath('userData')`), the browser shell (`npm start`) beside the approver's
 * config (`dir` = the config dir, whose `settings.json` name it must not take).
 */
export function settingsFileFor(shell: AppInfo['shell'], dir: string): string {
  return join(dir, shell === 'electron' ? 'settings.json' : 'app-settings.json');
}

export type SettingsListener = (next: Settings, previous: Settings) => void;

export class SettingsStore implements SettingsPort {
  readonly #file: string;
  #current: Settings;
  #writes: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<SettingsListener>();

  private constructor(file: string, initial: Settings) {
    this.#file = file;
    this.#current = initial;
  }

  static async open(file: string): Promise<SettingsStore> {
    let initial: Settings = { ...DEFAULT_SETTINGS };
    try {
      const parsed = Settings.partial().safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success) initial = { ...DEFAULT_SETTINGS, ...parsed.data };
    } catch {
      // Missing or corrupt: defaults (the next update rewrites the file).
    }
    return new SettingsStore(file, initial);
  }

  get(): Settings {
    return { ...this.#current };
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    const previous = this.#current;
    const next = Settings.parse({ ...previous, ...patch });
    this.#current = next;
    const write = this.#writes.then(() => this.#write(next));
    this.#writes = write.catch(() => {});
    try {
      await write;
    } catch (err) {
      this.#current = previous;
      throw err;
    }
    for (const listener of this.#listeners) listener({ ...next }, { ...previous });
    return { ...next };
  }

  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #write(value: Settings): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(tmp, this.#file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

/**
 * App settings (notifications, launch at login, close to tray) in a small JSON file next to
 * the engine's config. Writes are atomic (temp file + rename, 0600) and serialised, so a crash
 * mid-write leaves the previous file intact. A missing or unreadable file means defaults:
 * settings are preferences, never a reason not to start.
 */
import { readFile } from 'node:fs/promises';
import { writeFileDurableAsync } from '../sdk/fsutil.ts';
import { Settings } from './contract.ts';
import type { SettingsPort } from './dispatch.ts';

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  notifications: true,
  launchAtLogin: false,
  closeToTray: true,
});

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
    await writeFileDurableAsync(this.#file, `${JSON.stringify(value, null, 2)}\n`);
  }
}

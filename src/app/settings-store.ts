/**
 * App settings (notifications, launch at login, close to tray) in a small JSON file next to
 * the engine's config. Writes are atomic (temp file + rename, 0600) and serialised, so a crash
 * mid-write leaves the previous file intact. A missing or damaged file means defaults:
 * settings are preferences, never a reason not to start (a damaged one is kept beside it).
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurableAsync } from '../sdk/fsutil.ts';
import { parseStored } from '../sdk/stored-file.ts';
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

  /** Why the stored file could not be used, when it could not (what happened and where its bytes are). */
  readonly problem: string | null;

  private constructor(file: string, initial: Settings, problem: string | null) {
    this.#file = file;
    this.#current = initial;
    this.problem = problem;
  }

  /**
   * Opens the settings in `file`. A missing file means defaults. A damaged one means defaults
   * too (preferences are never a reason not to start), but it is first moved aside, so the next
   * update cannot overwrite what it held, and `problem` says so.
   */
  static async open(file: string): Promise<SettingsStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return new SettingsStore(file, { ...DEFAULT_SETTINGS }, null);
    }
    const read = parseStored(text, Settings.partial());
    if (read.kind === 'ok') return new SettingsStore(file, { ...DEFAULT_SETTINGS, ...read.value }, null);
    const keptAs = `${file}.damaged-${Date.now()}`;
    await rename(file, keptAs);
    const problem = `${file} is ${read.problem}: the app uses the default settings. The old file was kept as ${keptAs}; set your preferences again in Settings, or fix that file and move it back while the app is closed.`;
    return new SettingsStore(file, { ...DEFAULT_SETTINGS }, problem);
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

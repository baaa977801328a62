/** Set by vite.config.ts: true only in the `--mode fake` development build. */
declare const __HESO_FAKE_BRIDGE__: boolean;

/** electron-builder.yml cannot be exercised here (packaging downloads Electron): check what it promises. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
// js-yaml ships with electron-builder; loaded untyped on purpose (no extra dependency).
const yaml = require('js-yaml') as { load(text: string): unknown };
const root = new URL('../../', import.meta.url);
const config = yaml.load(readFileSync(new URL('electron-builder.yml', root), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { main: string };

describe('electron-builder.yml', () => {
  it('sets every Electron fuse explicitly', () => {
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('targets AppImage + deb, a hardened-runtime dmg and NSIS', () => {
    assert.equal(config.productName, 'HESO Approver');
    assert.deepEqual((config.linux as { target: string[] }).target, ['AppImage', 'deb']);
    const mac = config.mac as { target: string[]; hardenedRuntime: boolean; entitlements: string };
    assert.deepEqual(mac.target, ['dmg']);
    assert.equal(mac.hardenedRuntime, true);
    assert.ok(readFileSync(new URL(mac.entitlements, root), 'utf8').includes('allow-jit'));
    assert.deepEqual((config.win as { target: string[] }).target, ['nsis']);
  });

  it('packages the two bundles and never better-sqlite3 (server only)', () => {
    const files = config.files as string[];
    assert.ok(files.includes('dist-electron/**/*'));
    assert.ok(files.includes('dist-renderer/**/*'));
    assert.ok(files.includes('!node_modules/**/*'));
    assert.ok(files.includes('!node_modules/better-sqlite3{,/**/*}'));
    assert.equal(config.npmRebuild, false);
    assert.equal(pkg.main, 'dist-electron/main/main.js');
  });
});

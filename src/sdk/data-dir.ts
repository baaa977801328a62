/**
 * The operator's local data directory (default `.heso/`), created by `heso init`:
 *
 *   .heso/
 *     .gitignore               `*`, so nothing in here is ever committed
 *     operator.key             the operator's Ed25519 secret key, mode 0600 (the only file with a secret)
 *     trusted-approvers.json   approver public keys pinned with `heso trust add`
 *     audit.jsonl              one line per guarded action and outcome (no secrets)
 *     outbox/pending/          receipts not yet accepted by the control plane
 *     outbox/refused/          receipts the control plane refused, with the reason
 *     receipts/                a copy of every receipt signed here (newest 10 000; see receipt-archive.ts)
 *
 * `initDataDir` is idempotent and never replaces an existing key.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { fingerprintOf, generateKeyPair, keyIdOf, publicKeyFromSecret } from '../core/crypto.ts';
import { b64url } from '../core/encoding.ts';
import { PublicKeyB64 } from '../core/schemas.ts';
import { timestampOf } from '../core/validate.ts';
import { HesoError } from './errors.ts';
import { fsyncDir, writeFileDurable } from './fsutil.ts';

export const DEFAULT_DATA_DIR = '.heso';
const KEY_FILE_TYPE = 'heso.operator.key.v1';

export interface DataDirPaths {
  root: string;
  operatorKey: string;
  trustedApprovers: string;
  auditLog: string;
  outboxPending: string;
  outboxRefused: string;
  /** Outbox files that could not be read back, moved aside for a human (never pushed, never deleted). */
  outboxDamaged: string;
  receipts: string;
}

export function dataDirPaths(dir: string): DataDirPaths {
  const root = resolve(dir);
  return {
    root,
    operatorKey: join(root, 'operator.key'),
    trustedApprovers: join(root, 'trusted-approvers.json'),
    auditLog: join(root, 'audit.jsonl'),
    outboxPending: join(root, 'outbox', 'pending'),
    outboxRefused: join(root, 'outbox', 'refused'),
    outboxDamaged: join(root, 'outbox', 'damaged'),
    receipts: join(root, 'receipts'),
  };
}

/** Public facts about the operator key; safe to print. */
export interface OperatorIdentity {
  publicKey: string;
  keyId: string;
  fingerprint: string;
}

export interface OperatorKey extends OperatorIdentity {
  /** 32-byte secret. Never log, print or send it. */
  secretKey: Uint8Array;
}

export interface InitResult extends OperatorIdentity {
  dataDir: string;
  /** False when the directory and key already existed (nothing was replaced). */
  createdKey: boolean;
  /** The .gitignore that got a new entry, or null when it already had one (or `gitignore: false`). */
  gitignoreUpdated: string | null;
}

const KeyFile = z.strictObject({
  type: z.literal(KEY_FILE_TYPE),
  secretKey: z.string(),
  publicKey: PublicKeyB64,
  keyId: z.string(),
  createdAt: z.string(),
});

/** Create the data dir (0700), the operator key (0600) and the outbox; add the dir to the parent's .gitignore. */
export function initDataDir(
  dir: string = DEFAULT_DATA_DIR,
  opts: { gitignore?: boolean; now?: () => Date } = {},
): InitResult {
  const paths = dataDirPaths(dir);
  try {
    mkdirSync(paths.root, { recursive: true, mode: 0o700 });
    mkdirSync(paths.outboxPending, { recursive: true, mode: 0o700 });
    mkdirSync(paths.outboxRefused, { recursive: true, mode: 0o700 });
    const innerIgnore = join(paths.root, '.gitignore');
    if (!existsSync(innerIgnore))
      writeFileDurable(innerIgnore, '# HESO operator data: secrets and local state\n*\n', 0o644);
  } catch (err) {
    throw new HesoError('data_dir', `cannot create the data directory ${paths.root}: ${(err as Error).message}`);
  }

  let createdKey = false;
  if (!existsSync(paths.operatorKey)) {
    const pair = generateKeyPair();
    const publicKey = b64url.encode(pair.publicKey);
    const body = `${JSON.stringify({
      type: KEY_FILE_TYPE,
      secretKey: b64url.encode(pair.secretKey),
      publicKey,
      keyId: keyIdOf(pair.publicKey),
      createdAt: timestampOf((opts.now ?? (() => new Date()))()),
    })}\n`;
    let fd: number;
    try {
      // 'wx': never replace a key another process created a moment ago.
      fd = openSync(paths.operatorKey, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new HesoError('data_dir', `cannot create ${paths.operatorKey}: ${(err as Error).message}`);
      fd = -1;
    }
    if (fd !== -1) {
      try {
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(paths.operatorKey, 0o600);
      fsyncDir(paths.root);
      createdKey = true;
    }
  }
  const key = loadOperatorKey(dir);
  const gitignoreUpdated = opts.gitignore === false ? null : addToGitignore(paths.root);
  return {
    dataDir: paths.root,
    publicKey: key.publicKey,
    keyId: key.keyId,
    fingerprint: key.fingerprint,
    createdKey,
    gitignoreUpdated,
  };
}

/** Adds `/<dirname>/` to the .gitignore next to the data dir, unless an equivalent line is there. */
function addToGitignore(root: string): string | null {
  const file = join(dirname(root), '.gitignore');
  const name = basename(root);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = existing.split(/\r?\n/).map((l) => l.trim());
  if ([name, `${name}/`, `/${name}`, `/${name}/`].some((l) => lines.includes(l))) return null;
  const prefix = existing === '' || existing.endsWith('\n') ? '' : '\n';
  writeFileDurable(
    file,
    `${existing}${prefix}# HESO operator data (secret key, outbox, audit log)\n/${name}/\n`,
    0o644,
  );
  return file;
}

/** Read the operator key. Refuses a key file that others can read. */
export function loadOperatorKey(dir: string = DEFAULT_DATA_DIR): OperatorKey {
  const paths = dataDirPaths(dir);
  if (!existsSync(paths.operatorKey))
    throw new HesoError('data_dir', `no operator key in ${paths.root}: run \`heso init --data-dir ${dir}\` first`);
  if (process.platform !== 'win32') {
    const mode = statSync(paths.operatorKey).mode & 0o777;
    if (mode & 0o077)
      throw new HesoError(
        'data_dir',
        `${paths.operatorKey} is readable by other users (mode ${mode.toString(8)}): run \`chmod 600 ${paths.operatorKey}\``,
      );
  }
  let parsed: z.infer<typeof KeyFile>;
  let secretKey: Uint8Array;
  try {
    parsed = KeyFile.parse(JSON.parse(readFileSync(paths.operatorKey, 'utf8')));
    secretKey = b64url.decode(parsed.secretKey);
    const derived = b64url.encode(publicKeyFromSecret(secretKey));
    if (derived !== parsed.publicKey) throw new Error('mismatch');
  } catch (err) {
    // Never include the file's content: it holds the secret key.
    const why =
      err instanceof SyntaxError
        ? 'not JSON'
        : err instanceof z.ZodError
          ? 'unexpected fields'
          : 'the secret key does not decode to the stored public key';
    throw new HesoError('data_dir', `${paths.operatorKey} is not a valid HESO operator key file (${why})`);
  }
  return {
    secretKey,
    publicKey: parsed.publicKey,
    keyId: keyIdOf(parsed.publicKey),
    fingerprint: fingerprintOf(parsed.publicKey),
  };
}

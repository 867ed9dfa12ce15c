/**
 * Keys and request checks of the embedded host: constant-time key comparison, the keys from
 * local.settings.json (refused when empty or short), and the Host/Origin checks every request
 * passes before anything else (DNS rebinding, cross-site requests from a page the developer visits).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthLevel } from '../../runtime/registry';

export type { AuthLevel };

export interface HostKeys {
  /** Grants function-level routes. */
  function: string;
  /** Grants everything (admin routes, every instance, listing all instances). */
  master: string;
}

/** The shortest key accepted from local.settings.json. */
export const MIN_KEY_LENGTH = 16;

/**
 * Compares a presented secret with the expected one in constant time: both are hashed (SHA-256)
 * to equal-length digests first, so neither the length nor the first differing byte shows in the
 * time taken.
 */
export function safeEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** A fresh random key (32 bytes, base64url). */
export function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The keys in force with --enforce-auth: `Host.FunctionKey` / `Host.MasterKey` from
 * local.settings.json when present, else random ones. Throws (the host refuses to start) when a
 * given key is not a string of at least MIN_KEY_LENGTH printable characters, or when both are the
 * same (a function key that is also the master key grants everything).
 */
export function resolveKeys(settings: Record<string, unknown> | undefined, file = 'local.settings.json'): HostKeys {
  const pick = (name: 'FunctionKey' | 'MasterKey'): string => {
    const v = settings?.[name];
    if (v === undefined) return randomKey();
    if (typeof v !== 'string') throw new Error(`${file}: Host.${name} must be a string, not ${JSON.stringify(v)}`);
    if (v.trim() === '') throw new Error(`${file}: Host.${name} is empty; give a key of at least ${MIN_KEY_LENGTH} characters, or remove it to have one generated`);
    if (v.length < MIN_KEY_LENGTH) throw new Error(`${file}: Host.${name} is ${v.length} characters long; keys must be at least ${MIN_KEY_LENGTH} characters (remove it to have one generated)`);
    if (!/^[\x21-\x7e]+$/.test(v)) throw new Error(`${file}: Host.${name} must be printable ASCII without spaces`);
    return v;
  };
  const keys = { function: pick('FunctionKey'), master: pick('MasterKey') };
  if (keys.function === keys.master) throw new Error(`${file}: Host.FunctionKey and Host.MasterKey are the same; the master key must differ from the function key`);
  return keys;
}

const RANK: Record<AuthLevel, number> = { anonymous: 0, function: 1, admin: 2 };

/** The level a route declares (`authLevel`), `function` when absent or unknown (as the Functions host does). */
export function authLevel(value: unknown): AuthLevel {
  return value === 'anonymous' || value === 'admin' || value === 'function' ? value : 'function';
}

/** Whether `level` grants at least `needed`. */
export function grants(level: AuthLevel, needed: AuthLevel): boolean {
  return RANK[level] >= RANK[needed];
}

/** The level a presented key grants (anonymous when none or a wrong one). */
export function levelOfKey(keys: HostKeys, given: string | undefined): AuthLevel {
  if (safeEqual(given, keys.master)) return 'admin';
  if (safeEqual(given, keys.function)) return 'function';
  return 'anonymous';
}

/** The `host:port` values this host answers to (lowercase). */
export function ownHosts(port: number, listenHost: string): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', (listenHost.includes(':') ? `[${listenHost}]` : listenHost).toLowerCase()];
  // on port 80 clients leave the port out of Host (and URL parsing drops it from a target)
  return new Set(names.flatMap((n) => (port === 80 ? [`${n}:80`, n] : [`${n}:${port}`])));
}

/**
 * The peers' servers, started by hand on loopback with their data under bench/peers/.data:
 * Redis 7 and PostgreSQL 15 from Debian's archive (installed with apt-get when missing), and
 * Restate's server from its npm package. Each start either answers on its port or fails with the
 * server's own output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, startChild, tail, waitFor, type Child } from './util';

const PG_BIN = '/usr/lib/postgresql/15/bin';

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Installs Debian packages that are missing (`apt-get install -y`), or explains why it cannot. */
export function ensureDebianPackages(wanted: Array<{ pkg: string; present: () => boolean }>, log: (s: string) => void): void {
  const missing = wanted.filter((w) => !w.present()).map((w) => w.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(', ')}: install them (sudo apt-get install -y ${missing.join(' ')}) or run as root`);
  }
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { env, encoding: 'utf8' });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, encoding: 'utf8' });
  }
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed:\n${tail(r.stdout + r.stderr)}`);
  const still = wanted.filter((w) => !w.present()).map((w) => w.pkg);
  if (still.length) throw new Error(`apt-get ran but ${still.join(', ')} is still missing`);
}

export const redisPresent = (): boolean => which('redis-server') !== undefined;
export const postgresPresent = (): boolean => fs.existsSync(path.join(PG_BIN, 'postgres')) && fs.existsSync(path.join(PG_BIN, 'initdb'));

// ---------------------------------------------------------------------------------------------
// Redis

export interface RedisServer {
  port: number;
  child: Child;
  stop(): Promise<void>;
}

export function redisVersion(): string {
  const out = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
}

/** Starts redis-server in the foreground on 127.0.0.1 with `args` (e.g. `--appendonly yes`). */
export async function startRedis(dir: string, args: string[]): Promise<RedisServer> {
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = startChild('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes', ...args]);
  try {
    await waitFor('redis-server did not start', async () => {
      if (child.proc.exitCode !== null) throw new Error(`exited with code ${child.proc.exitCode}`);
      return /Ready to accept connections/.test(child.output());
    });
  } catch (e) {
    await child.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${tail(child.output())}`);
  }
  return { port, child, stop: () => child.stop('SIGTERM') };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface PostgresServer {
  port: number;
  url(db: string): string;
  stop(): Promise<void>;
}

/** The uid/gid to run PostgreSQL as: `postgres` when we are root (it refuses to run as root). */
function pgUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export function postgresVersion(): string {
  return execFileSync(path.join(PG_BIN, 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '');
}

/**
 * initdb (once per directory) and a postgres in the foreground on 127.0.0.1 with `settings`
 * passed as `-c name=value`, trust authentication on loopback.
 */
export async function startPostgres(dir: string, settings: Record<string, string>): Promise<PostgresServer> {
  const user = pgUser();
  const data = path.join(dir, 'pgdata');
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    fs.mkdirSync(dir, { recursive: true });
    if (user.uid !== undefined) fs.chownSync(dir, user.uid, user.gid!);
    const r = spawnSync(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'], { ...user, encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`initdb failed:\n${tail(r.stdout + r.stderr)}`);
  }
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child = startChild('postgres', path.join(PG_BIN, 'postgres'), args, { ...user, cwd: dir });
  const url = (db: string): string => `postgres://postgres@127.0.0.1:${port}/${db}`;
  try {
    await waitFor('postgres did not start', async () => {
      if (child.proc.exitCode !== null) throw new Error(`exited with code ${child.proc.exitCode}`);
      const c = new Client({ connectionString: url('postgres') });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('select 1');
        return true;
      } finally {
        await c.end().catch(() => undefined);
      }
    });
  } catch (e) {
    await child.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${tail(child.output())}`);
  }
  // SIGINT is PostgreSQL's "fast" shutdown.
  return { port, url, stop: () => child.stop('SIGINT', 30_000) };
}

export async function pgQuery<T = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Restate

export function restateBinary(): string {
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  return require.resolve(`@restatedev/restate-server-${process.platform}-${arch}/bin/restate-server`);
}

export function restateVersion(): string {
  return execFileSync(restateBinary(), ['--version'], { encoding: 'utf8' }).trim().replace(/^restate-server /, '');
}

export interface RestateServer {
  ingress: string;
  admin: string;
  stop(): Promise<void>;
}

/**
 * Starts restate-server (single node, all roles) with its data under `dir`, listening on TCP only
 * on free loopback ports, telemetry off, and `extraToml` appended to its configuration file.
 */
export async function startRestate(dir: string, extraToml: string): Promise<RestateServer> {
  fs.mkdirSync(dir, { recursive: true });
  const [node, ingressPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const config = [
    'disable-telemetry = true',
    `bind-address = "127.0.0.1:${node}"`,
    `advertised-address = "http://127.0.0.1:${node}/"`,
    '',
    '[ingress]',
    `bind-address = "127.0.0.1:${ingressPort}"`,
    '',
    '[admin]',
    `bind-address = "127.0.0.1:${adminPort}"`,
    'disable-web-ui = true',
    '',
    extraToml,
  ].join('\n');
  const configFile = path.join(dir, 'restate.toml');
  fs.writeFileSync(configFile, config);
  const child = startChild('restate-server', restateBinary(), ['--config-file', configFile, '--base-dir', path.join(dir, 'restate-data'), '--no-logo', '--listen-mode', 'tcp', '--log-disable-ansi-codes', 'true'], {
    cwd: dir,
    env: { ...process.env, DO_NOT_TRACK: '1' },
  });
  const ingress = `http://127.0.0.1:${ingressPort}`;
  const admin = `http://127.0.0.1:${adminPort}`;
  try {
    await waitFor(
      'restate-server did not become healthy',
      async () => {
        if (child.proc.exitCode !== null) throw new Error(`exited with code ${child.proc.exitCode}`);
        const [a, i] = await Promise.all([fetch(`${admin}/health`), fetch(`${ingress}/restate/health`)]);
        return a.ok && i.ok;
      },
      60_000,
    );
  } catch (e) {
    await child.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${tail(child.output())}`);
  }
  return { ingress, admin, stop: () => child.stop('SIGTERM', 30_000) };
}

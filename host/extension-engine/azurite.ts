/**
 * Azure Storage on this machine: Azurite (npm, pure JavaScript), the emulator Durable Functions
 * users run locally, started on free loopback ports. The extension's Azure Storage provider keeps
 * the task hub there (queues, tables, blobs), in `location` or in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateDir } from '../app-folder';

/** Azurite's well-known development account (public, the same in every emulator). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** The AzureWebJobsStorage connection string for this emulator. */
  connectionString: string;
  close(): Promise<void>;
}

export async function startAzurite(options: { location?: string; log?: (line: string) => void }): Promise<Azurite> {
  // Azurite's entry through a wrapper that ends it with this process (azurite-child.js).
  const bin = path.join(__dirname, 'azurite-child.js');
  const args = ['--blobPort', '0', '--queuePort', '0', '--tablePort', '0', '--skipApiVersionCheck', '--disableTelemetry', '--silent'];
  if (options.location) {
    fs.mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else args.push('--inMemoryPersistence');
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ports = await listening(child);
  const endpoint = (kind: string): string => `${kind}Endpoint=http://127.0.0.1:${ports[kind]}/${ACCOUNT};`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};${endpoint('Blob')}${endpoint('Queue')}${endpoint('Table')}`,
    close: () => stop(child),
  };
}

/** Waits for the three "successfully listening at http://127.0.0.1:<port>" lines. */
function listening(child: ChildProcess): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const ports: Record<string, number> = {};
    let out = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within 30 s: ${out.slice(-500)}`)), 30_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const read = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      for (const m of out.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g)) ports[m[1]] = Number(m[2]);
      if (ports.Blob && ports.Queue && ports.Table) {
        clearTimeout(timer);
        child.stdout?.off('data', read);
        child.stdout?.resume();
        resolve(ports);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('exit', (code) => fail(new Error(`Azurite exited (${code}) before it listened: ${out.slice(-500)}`)));
  });
}

export function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Where a host keeps its emulator's data by default: beside the embedded host's SQLite file. */
export function defaultLocation(appDir: string, hubName: string): string {
  return path.join(stateDir(appDir), `azurite-${hubName}`);
}

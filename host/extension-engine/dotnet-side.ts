/**
 * The .NET side of the extension engine (dotnet/): builds it when its sources are newer than its
 * build, starts it with the app's functions, and reads back its port and the durable client
 * binding the extension hands to a Node worker.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stop } from './azurite';

export const PROJECT_DIR = path.join(__dirname, 'dotnet');
const OUTPUT = path.join(PROJECT_DIR, 'bin', 'Release', 'net10.0', 'DurableFlow.ExtensionHost.dll');
/** The extension this engine runs (exact, as the .csproj pins it). */
export const EXTENSION_PACKAGE = 'Microsoft.Azure.WebJobs.Extensions.DurableTask';

export function extensionVersion(): string {
  const csproj = fs.readFileSync(path.join(PROJECT_DIR, 'DurableFlow.ExtensionHost.csproj'), 'utf8');
  return new RegExp(`Include="${EXTENSION_PACKAGE.replace(/\./g, '\\.')}" Version="([^"]+)"`).exec(csproj)?.[1] ?? 'unknown';
}

/** Throws a one-line error when `dotnet` is not on the PATH, or the .NET project is not here (the installed package does not carry it). */
export function requireDotnet(): void {
  if (!fs.existsSync(path.join(PROJECT_DIR, 'DurableFlow.ExtensionHost.csproj'))) {
    throw new Error('the extension engine runs from a clone of durable-flow (its .NET project and Azurite are not in the installed package); the embedded engine (the default) runs anywhere');
  }
  const r = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error("the extension engine needs the .NET SDK ('dotnet' is not on the PATH); the embedded engine (the default) does not");
  }
}

function newestSource(): number {
  return Math.max(...fs.readdirSync(PROJECT_DIR).filter((f) => /\.(cs|csproj|json)$/.test(f)).map((f) => fs.statSync(path.join(PROJECT_DIR, f)).mtimeMs));
}

/** Builds the .NET side unless its build is newer than every source file. */
export function buildDotnetSide(log: (line: string) => void): string {
  if (fs.existsSync(OUTPUT) && fs.statSync(OUTPUT).mtimeMs >= newestSource()) return OUTPUT;
  requireDotnet();
  log('building the .NET side of the extension engine (dotnet build; the first build restores packages from NuGet)...');
  const r = spawnSync('dotnet', ['build', '-c', 'Release', '--nologo', '-v', 'q', PROJECT_DIR], { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } });
  if (r.status !== 0) throw new Error(`dotnet build of ${PROJECT_DIR} failed:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.trim());
  // An up-to-date build does not touch the output: mark it as built now.
  const now = new Date();
  fs.utimesSync(OUTPUT, now, now);
  return OUTPUT;
}

export interface DotnetStart {
  functions: Array<{ name: string; trigger: string }>;
  nodeUrl: string;
  secret: string;
  publicOrigin: string;
  hostJson: unknown;
  connectionString: string;
  verbose: boolean;
  log: (line: string) => void;
}

export interface DotnetSide {
  /** Where the extension's HTTP API answers (loopback). */
  port: number;
  /** The durable client binding data, exactly as the extension makes it. */
  client: Record<string, unknown>;
  process: ChildProcess;
  close(): Promise<void>;
}

export async function startDotnetSide(options: DotnetStart): Promise<DotnetSide> {
  const dll = buildDotnetSide(options.log);
  const child = spawn('dotnet', [dll], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AzureWebJobsStorage: options.connectionString, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  child.stdin!.write(
    `${JSON.stringify({ functions: options.functions, nodeUrl: options.nodeUrl, secret: options.secret, publicOrigin: options.publicOrigin, hostJson: options.hostJson ?? {}, port: 0, verbose: options.verbose, parentPid: process.pid })}\n`,
  );
  child.stderr!.setEncoding('utf8');
  // The last lines it wrote, for the error when it dies before it is ready (the log may be off).
  const tail: string[] = [];
  const remember = (l: string): void => {
    tail.push(l);
    if (tail.length > 20) tail.shift();
  };
  child.stderr!.on('data', (c: string) =>
    c
      .split('\n')
      .filter(Boolean)
      .forEach((l) => {
        remember(l);
        options.log(`[extension] ${l}`);
      }),
  );
  const ready = await new Promise<{ port: number; client: Record<string, unknown> }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error('the .NET side did not start within 120 s')), 120_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      buffer += c;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trimEnd();
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          resolve(JSON.parse(line.slice('READY '.length)) as { port: number; client: Record<string, unknown> });
        } else if (line) {
          remember(line);
          options.log(`[extension] ${line}`);
        }
      }
    });
    child.once('exit', (code, signal) =>
      fail(new Error(`the .NET side exited (${code ?? signal}) before it was ready${tail.length ? `; its last lines:\n${tail.join('\n')}` : ''}`)),
    );
  });
  return {
    ...ready,
    process: child,
    async close() {
      // Closing standard input asks it to stop (Program.cs); SIGTERM after a grace period.
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => void stop(child, 5_000).then(resolve), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

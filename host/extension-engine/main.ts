/**
 * The extension engine: the same compiled app, served on the same HTTP surface as the embedded
 * host, executed by the real Durable Task extension (dotnet/) on Azure Storage emulated by
 * Azurite. The Node side loads `dist/generated/index.js` exactly as the embedded host does and
 * runs what the extension forwards (bridge.ts).
 */
import * as path from 'node:path';
import { applySettings, logRoutes, readAppFolder } from '../app-folder';
import { randomKey } from '../http/auth';
import { startApp } from '../functions/core-api';
import { Schedules } from '../executor/schedules';
import { createLogger } from '../log';
import { startAzurite, defaultLocation, type Azurite } from './azurite';
import { Bridge } from './bridge';
import { EXTENSION_PACKAGE, extensionVersion, requireDotnet, startDotnetSide, type DotnetSide } from './dotnet-side';
import { ExtensionFront } from './front';

export interface ExtensionHostOptions {
  appDir: string;
  port?: number;
  /**
   * Where the task hub lives: a folder for Azurite's data, ':memory:', or an Azure Storage
   * connection string (anything with '='; no Azurite is started: several hosts share one hub the
   * way several workers do). Default: <appDir>/.durable/azurite-<hub>.
   */
  storage?: string;
  verbose?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface ExtensionHost {
  url: string;
  /** The extension package version the engine runs. */
  extensionVersion: string;
  /** The durable client binding the extension made (what the app's HTTP triggers get). */
  clientBinding: Record<string, unknown>;
  close(): Promise<void>;
}

export async function createExtensionHost(options: ExtensionHostOptions): Promise<ExtensionHost> {
  requireDotnet();
  const app = readAppFolder(options.appDir);
  const { appDir, hostJson, hubName, entry } = app;
  const log = createLogger({ verbose: options.verbose ?? false, quiet: options.quiet, write: options.log });
  applySettings(app);

  const api = await startApp(entry);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close().catch((e: unknown) => log.error(`closing: ${String(e)}`));
  };
  try {
    const bridge = new Bridge(api, randomKey());
    const nodeUrl = await bridge.listen();
    closers.push(() => bridge.close());
    const front = new ExtensionFront(api, log);
    const url = await front.listen(options.port ?? 7071);
    closers.push(() => front.close());

    let azurite: Azurite | undefined;
    let connectionString = options.storage?.includes('=') ? options.storage : undefined;
    if (!connectionString) {
      const storage = options.storage ?? defaultLocation(appDir, hubName);
      azurite = await startAzurite({ location: storage === ':memory:' ? undefined : storage });
      closers.push(() => azurite!.close());
      connectionString = azurite.connectionString;
    }
    const functions = [...api.registrations.values()].filter((r) => r.trigger.type === 'orchestrationTrigger' || r.trigger.type === 'activityTrigger').map((r) => ({ name: r.name, trigger: r.trigger.type }));
    const dotnet: DotnetSide = await startDotnetSide({
      functions,
      nodeUrl,
      secret: bridge.secret,
      publicOrigin: url,
      hostJson,
      connectionString,
      verbose: options.verbose ?? false,
      log: (line) => log.info(line),
    });
    // Closed in reverse: the timers, then the extension, then the front and the emulator.
    closers.push(() => dotnet.close());
    front.connect(dotnet);
    const schedules = new Schedules(api, () => front.clientBinding(), log);
    schedules.start();
    closers.push(async () => schedules.stop());

    const version = extensionVersion();
    log.info(`durable-flow host (extension engine: ${EXTENSION_PACKAGE} ${version} on ${azurite ? 'Azurite' : 'the given storage'}): ${api.registrations.size} functions from ${path.relative(process.cwd(), entry) || entry}, task hub '${hubName}'`);
    logRoutes(api, url, log);
    return { url, extensionVersion: version, clientBinding: dotnet.client, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

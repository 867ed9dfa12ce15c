/**
 * `npm run build:extension`: builds the extension engine's .NET side (host/extension-engine/dotnet)
 * ahead of the tests, so parallel test files never build it at once. Says in one line when the
 * .NET SDK is missing.
 */
import { buildDotnetSide, extensionVersion, requireDotnet } from './dotnet-side';

try {
  requireDotnet();
  const started = Date.now();
  const dll = buildDotnetSide((line) => console.log(line));
  console.log(`extension engine ready (Microsoft.Azure.WebJobs.Extensions.DurableTask ${extensionVersion()}): ${dll} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}

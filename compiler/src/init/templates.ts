/**
 * What `durable-flow init` writes: a Functions v4 Node app laid out as the compiler expects
 * (workflows/*.yaml, workflows/activities/*.ts, generated/ and dist/ written by `compile`), its
 * first workflow, an activity and a test with the kit. Versions of the app's dependencies are the
 * ones this durable-flow is built and tested with (its own package.json).
 */
import { packageJson } from '../package/root';

/** Where compile writes the app's entry (generated/index.ts built into dist/). */
export const APP_MAIN = 'dist/generated/index.js';

/** The schema's path as the app sees it (durable-flow installed in its node_modules). */
export const SCHEMA_PATH = 'node_modules/durable-flow/compiler/schema/workflow.schema.json';

/** The test script `npm init -y` writes: a placeholder init may replace. */
export const NPM_INIT_TEST = 'echo "Error: no test specified" && exit 1';

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

/** The fields init gives package.json (merged into an existing one: init.ts). */
export function packageFields(): Record<string, unknown> {
  const own = packageJson();
  const version = (name: string): string => {
    const v = own.dependencies?.[name] ?? own.devDependencies?.[name];
    if (!v) throw new Error(`durable-flow's package.json names no version of ${name}`);
    return v;
  };
  return {
    main: APP_MAIN,
    scripts: {
      compile: 'durable-flow compile',
      start: 'durable-flow compile && durable-flow-host',
      test: 'durable-flow compile && vitest run',
      // A remote build (Azure's Oryx) runs `npm install` then `npm run build`.
      build: 'durable-flow compile',
    },
    // What the compiled app imports at run time (the input validators use ajv's runtime).
    dependencies: { '@azure/functions': version('@azure/functions'), ajv: version('ajv'), 'durable-functions': version('durable-functions') },
    devDependencies: { '@types/node': version('@types/node'), 'durable-flow': `^${own.version}`, vitest: version('vitest') },
    // npm 12 runs a dependency's install script only when approved here: better-sqlite3 builds
    // the local host's SQLite binding; esbuild (under vitest) checks its platform binary.
    allowScripts: { 'better-sqlite3': true, esbuild: true },
  };
}

export const HOST_JSON = json({
  version: '2.0',
  logging: { logLevel: { 'DurableTask.AzureStorage': 'Warning', 'DurableTask.Core': 'Warning' } },
  extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.30.0, 5.0.0)' },
  extensions: { durableTask: { hubName: 'DurableFlowHub' } },
});

export const LOCAL_SETTINGS_EXAMPLE = json({
  IsEncrypted: false,
  Values: { FUNCTIONS_WORKER_RUNTIME: 'node', AzureWebJobsStorage: 'UseDevelopmentStorage=true', AzureWebJobsFeatureFlags: 'EnableWorkerIndexing' },
});

export const TSCONFIG = json({
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'commonjs',
    moduleResolution: 'node10',
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    forceConsistentCasingInFileNames: true,
    types: ['node'],
    outDir: 'dist',
    rootDir: '.',
  },
  include: ['generated', 'workflows', 'test'],
  exclude: ['node_modules', 'dist'],
});

export const TSCONFIG_BUILD = json({
  '//': "What `durable-flow compile` builds into dist/: the generated app (its runtime shim in generated/flow-runtime/ included) and the activities.",
  extends: './tsconfig.json',
  compilerOptions: { noEmit: false, sourceMap: true, allowJs: true, checkJs: false },
  include: ['generated', 'workflows/activities'],
});

export const GITIGNORE = ['node_modules/', 'dist/', '.durable/', '*.db', '*.db-wal', '*.db-shm', 'local.settings.json'];

/**
 * What `func azure functionapp publish` leaves out: the local host's state, local settings, the
 * tests and editor settings. The app runs dist/ (package.json "main") with its production
 * dependencies; workflows/, generated/ and the tsconfig files stay in the upload, so a remote
 * build (`npm run build`, which is `durable-flow compile`) can build dist/ again.
 */
export const FUNCIGNORE = ['.durable/', '*.db', '*.db-wal', '*.db-shm', '.git/', '.gitignore', '.vscode/', 'local.settings.json', 'local.settings.example.json', 'test/', 'coverage/', 'vitest.config.*'];

export const VSCODE_SETTINGS = {
  'yaml.schemas': { [`./${SCHEMA_PATH}`]: 'workflows/*.yaml' },
  'files.associations': { 'workflows/*.yaml': 'yaml' },
};

export const VSCODE_EXTENSIONS = { recommendations: ['redhat.vscode-yaml'] };

export const HELLO_YAML = `# yaml-language-server: $schema=../${SCHEMA_PATH}
dsl: 1
name: hello
description: "Three greetings, one after another: edit this file, then npm run compile (docs: node_modules/durable-flow/docs/language.md)."
input:
  type: object
  properties:
    names:
      type: array
      items: { type: string }
steps:
  - id: tokyo
    activity: SayHello
    input: Tokyo
  - id: seattle
    activity: SayHello
    input: Seattle
  - id: london
    activity: SayHello
    input: London
output:
  - \${ steps.tokyo.output }
  - \${ steps.seattle.output }
  - \${ steps.london.output }
`;

export const GREETINGS_TS = `/** Activities: every exported function under workflows/activities/ is one, called by its name. */

export async function SayHello(name: string): Promise<string> {
  return \`Hello, \${name}!\`;
}
`;

export const HELLO_TEST = `/**
 * The hello workflow on durable-flow's test kit: the compiled app (dist/, built by
 * \`npm test\`'s compile) on the local host's engine, with virtual time (docs: node_modules/durable-flow/docs/testing.md).
 */
import { createTestEnv, type TestEnv } from 'durable-flow/testing';
import { afterEach, expect, it } from 'vitest';

let env: TestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

it('greets three cities, one after another', async () => {
  env = await createTestEnv();
  const run = await env.start('hello', {});
  expect(await run.result()).toEqual({ status: 'Completed', output: ['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!'] });
  expect(env.calls('SayHello')).toEqual(['Tokyo', 'Seattle', 'London']);
});

it('runs with an activity replaced', async () => {
  env = await createTestEnv({ activities: { SayHello: (name: string) => \`Hi \${name}\` } });
  const run = await env.start('hello', {});
  expect(await run.result()).toMatchObject({ status: 'Completed', output: ['Hi Tokyo', 'Hi Seattle', 'Hi London'] });
});
`;

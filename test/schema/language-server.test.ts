/**
 * The editor experience, tested with the real yaml-language-server (the engine of VS Code's YAML
 * extension) spoken to over stdio JSON-RPC exactly as an editor would: completion of step kinds,
 * hover text from the schema, and diagnostics for a bad key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const server = path.join(root, 'node_modules/yaml-language-server/bin/yaml-language-server');
const schemaUri = pathToFileURL(path.join(root, 'compiler/schema/workflow.schema.json')).toString();
const docUri = pathToFileURL(path.join(root, 'workflows/editor-test.yaml')).toString();

const lines = [
  `# yaml-language-server: $schema=${schemaUri}`,
  'dsl: 1',
  'steps:',
  '  - forEach: ${ [1, 2] }',
  '    maxParallel: 2',
  '    activity: SayHello',
  '    succeedWhen:',
  '      atLeast: 1',
  '  - repeat:',
  '      maxIterations: 3',
  '      until: ${ loop.last }',
  '      steps:',
  '        - activity: SayHello',
  '      ',
  '  - try:',
  '      - waitForEvent: [Approve, Reject]',
  '    timeout: 10m',
  '    catch:',
  '      steps:',
  '        - activity: SayHello',
  '  - activty: SayHello',
  '  - ',
];
/** The line (0-based) of the first line that starts with `start`. */
const lineOf = (start: string): number => lines.findIndex((l) => l.startsWith(start));
const text = lines.join('\n') + '\n';

let child: ChildProcess;
let conn: MessageConnection;
const diagnostics: Array<{ uri: string; diagnostics: Array<{ message: string; range: { start: { line: number; character: number } } }> }> = [];

beforeAll(async () => {
  child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  // The server may exit (after shutdown) before our last write reaches it: that is not an error.
  child.stdin!.on('error', () => {});
  conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.onError(() => {});
  const settings = { yaml: { validate: true, hover: true, completion: true, format: { enable: false }, schemaStore: { enable: false } } };
  conn.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) =>
    params.items.map((i) => (i.section ? (settings as Record<string, unknown>)[i.section] ?? null : settings)),
  );
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('textDocument/publishDiagnostics', (p) => diagnostics.push(p));
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).toString(),
    capabilities: {
      textDocument: {
        completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        publishDiagnostics: {},
        synchronization: { dynamicRegistration: false },
      },
      workspace: { configuration: true },
    },
  });
  conn.sendNotification('initialized', {});
  conn.sendNotification('workspace/didChangeConfiguration', { settings });
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri: docUri, languageId: 'yaml', version: 1, text } });
});

afterAll(async () => {
  try {
    await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
    await Promise.resolve(conn.sendNotification('exit')).catch(() => undefined);
  } catch {
    // shutting down a server that already went away
  } finally {
    conn.dispose();
    child.kill();
  }
});

async function until<T>(probe: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`language server: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('yaml-language-server with the workflow schema', () => {
  it('completes the step kinds at a new step', async () => {
    const result = (await conn.sendRequest('textDocument/completion', {
      textDocument: { uri: docUri },
      position: { line: lines.length - 1, character: 4 },
    })) as { items: Array<{ label: string }> } | Array<{ label: string }>;
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    for (const kind of ['activity', 'workflow', 'forEach', 'parallel', 'waitForEvent', 'delay', 'switch', 'set', 'try', 'fail', 'repeat', 'break']) {
      expect(labels, `completion offers ${kind}`).toContain(kind);
    }
  });

  it("shows maxParallel's description on hover", async () => {
    const hover = (await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: docUri },
      position: { line: 4, character: 8 },
    })) as { contents: { value: string } | string } | null;
    const value = typeof hover?.contents === 'string' ? hover.contents : hover?.contents.value ?? '';
    expect(value).toContain('A hard cap on items (forEach) or branches (parallel) in flight at once');
  });

  it("completes a repeat's own keys inside it, and shows their descriptions on hover (until: the loop's, not the step's)", async () => {
    const result = (await conn.sendRequest('textDocument/completion', {
      textDocument: { uri: docUri },
      position: { line: lines.indexOf('      '), character: 6 },
    })) as { items: Array<{ label: string }> } | Array<{ label: string }>;
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    for (const key of ['while', 'interval', 'onMaxIterations']) expect(labels, `completion offers ${key}`).toContain(key);
    const hover = async (line: number): Promise<string> => {
      const h = (await conn.sendRequest('textDocument/hover', { textDocument: { uri: docUri }, position: { line, character: 8 } })) as { contents: { value: string } | string } | null;
      return typeof h?.contents === 'string' ? h.contents : h?.contents.value ?? '';
    };
    expect(await hover(lineOf('      maxIterations'))).toContain('Required: the most iterations the loop runs');
    expect(await hover(lineOf('      until'))).toContain('Checked after each iteration');
  });

  it("shows the list form on waitForEvent's hover, try among timeout's steps, and succeedWhen's and atLeast's descriptions", async () => {
    const hover = async (line: number, character: number): Promise<string> => {
      const h = (await conn.sendRequest('textDocument/hover', { textDocument: { uri: docUri }, position: { line, character } })) as { contents: { value: string } | string } | null;
      return typeof h?.contents === 'string' ? h.contents : h?.contents.value ?? '';
    };
    expect(await hover(lineOf('      - waitForEvent'), 12)).toContain('A list of names waits for the first of them to come: the output is `{ name, data }`');
    expect(await hover(lineOf('    timeout: 10m'), 6)).toContain('For activity, workflow, forEach, parallel, try and repeat');
    expect(await hover(lineOf('    succeedWhen'), 6)).toContain('parallel and forEach: a quorum');
    expect(await hover(lineOf('      atLeast'), 8)).toContain('How many branches (parallel) or items (forEach) must succeed');
  });

  it('reports the misspelt key as a diagnostic on its line', async () => {
    const found = await until(
      () => diagnostics.filter((d) => d.uri === docUri).flatMap((d) => d.diagnostics).find((d) => /activty/.test(d.message)),
      'a diagnostic about activty',
    );
    expect(found.range.start.line).toBe(lineOf('  - activty'));
  });
});

/**
 * `durable-flow init`: a Functions app in an empty folder, and in a folder that already holds one
 * (npm init's package.json, an existing app's files), never overwriting a file without --force,
 * never writing through a link. The scaffolded app compiling, serving hello and passing its own
 * test is test/package/install.test.ts (from the packed tarball).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { init } from '../../compiler/src/init';
import { run } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'df-init-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const read = (dir: string, f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
const json = (dir: string, f: string): Record<string, any> => JSON.parse(read(dir, f)); // eslint-disable-line @typescript-eslint/no-explicit-any

/** The package.json `npm init -y` writes (npm 11), after `npm install <durable-flow tarball>`. */
const NPM_INIT = {
  name: 'billing',
  version: '1.0.0',
  description: '',
  main: 'index.js',
  scripts: { test: 'echo "Error: no test specified" && exit 1' },
  keywords: [],
  author: '',
  license: 'ISC',
  type: 'commonjs',
  dependencies: { 'durable-flow': 'file:../durable-flow-0.1.0.tgz' },
};

describe('durable-flow init', () => {
  it('scaffolds an empty folder: package.json with the scripts and durable-flow as a devDependency, and every file of the app', () => {
    const dir = path.join(tempDir(), 'new-app');
    const r = init(dir, { force: false });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const files = ['package.json', 'host.json', 'local.settings.example.json', 'tsconfig.json', 'tsconfig.build.json', '.gitignore', '.funcignore', '.vscode/settings.json', '.vscode/extensions.json', 'workflows/hello.yaml', 'workflows/activities/greetings.ts', 'test/hello.test.ts'];
    for (const f of files) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    const pkg = json(dir, 'package.json');
    expect(pkg.name).toBe('new-app');
    expect(pkg.main).toBe('dist/generated/index.js');
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['compile', 'start', 'test', 'build']));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@azure/functions', 'ajv', 'durable-functions']);
    expect(pkg.devDependencies['durable-flow']).toBe(`^${json(repo, 'package.json').version}`);
    expect(pkg.allowScripts).toEqual({ 'better-sqlite3': true, esbuild: true });
    expect(json(dir, '.vscode/settings.json')['yaml.schemas']).toEqual({ './node_modules/durable-flow/compiler/schema/workflow.schema.json': 'workflows/*.yaml' });
    expect(read(dir, '.funcignore').split('\n')).toEqual(expect.arrayContaining(['.durable/', 'local.settings.json', 'test/']));
    // A second run changes nothing and says so.
    const again = init(dir, { force: false });
    expect(again.code).toBe(0);
    expect(again.out.filter((l) => /^\s+(created|updated|replaced)/.test(l))).toEqual([]);
  });

  it("takes over npm init's placeholders and moves durable-flow to devDependencies, keeping the rest of package.json", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(NPM_INIT, null, 2));
    const r = init(dir, { force: false });
    expect(r.err).toEqual([]);
    const pkg = json(dir, 'package.json');
    expect(pkg).toMatchObject({ name: 'billing', license: 'ISC', type: 'commonjs', main: 'dist/generated/index.js' });
    expect(pkg.scripts.test).toBe('durable-flow compile && vitest run');
    expect(pkg.dependencies['durable-flow']).toBeUndefined();
    expect(pkg.devDependencies['durable-flow']).toBe('file:../durable-flow-0.1.0.tgz');
    expect(r.out.join('\n')).toContain('durable-flow moved to devDependencies');
  });

  it("in an existing app, lists every file it would change, writes nothing, and with --force replaces them", () => {
    const dir = tempDir();
    const mine = { name: 'mine', main: 'dist/src/functions/*.js', scripts: { test: 'jest', lint: 'eslint .' }, dependencies: { 'durable-functions': '^3.1.0' } };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(mine, null, 2));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": { "strict": false } }\n');
    fs.writeFileSync(path.join(dir, 'host.json'), '{ "version": "2.0" }\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n.env\n');
    const before = fs.readdirSync(dir).sort();

    const refused = init(dir, { force: false });
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toContain('2 files');
    expect(refused.err).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}package\.json: main is "dist\/src\/functions\/\*\.js", durable-flow needs "dist\/generated\/index\.js"; scripts\.test is "jest"/),
        '  tsconfig.json: exists with other content',
        expect.stringContaining('--force'),
      ]),
    );
    expect(fs.readdirSync(dir).sort()).toEqual(before);
    expect(json(dir, 'package.json')).toEqual(mine);

    const forced = init(dir, { force: true });
    expect(forced.code).toBe(0);
    const pkg = json(dir, 'package.json');
    expect(pkg.main).toBe('dist/generated/index.js');
    expect(pkg.scripts).toMatchObject({ lint: 'eslint .', test: 'durable-flow compile && vitest run' });
    // the app's own version of a dependency stays
    expect(pkg.dependencies['durable-functions']).toBe('^3.1.0');
    expect(read(dir, 'tsconfig.json')).toContain('"strict": true');
    // host.json of an existing Functions app is its own (compile sets its versioning keys)
    expect(read(dir, 'host.json')).toBe('{ "version": "2.0" }\n');
    // .gitignore: its lines kept, the missing ones added
    expect(read(dir, '.gitignore')).toMatch(/^node_modules\/\n\.env\n# added by durable-flow init\ndist\/\n\.durable\//);
  });

  it('refuses a "type": "module" package (the compiled app is CommonJS)', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'esm', type: 'module' }));
    const r = init(dir, { force: false });
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain('type is "module": the compiled app is CommonJS');
  });

  it('never writes through a symbolic link, even with --force', () => {
    const dir = tempDir();
    const victim = tempDir();
    fs.writeFileSync(path.join(victim, 'secret.json'), '{"keep":true}');
    fs.symlinkSync(path.join(victim, 'secret.json'), path.join(dir, 'tsconfig.json'));
    const r = init(dir, { force: true });
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/DF007|symbolic link/);
    expect(read(victim, 'secret.json')).toBe('{"keep":true}');
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(false);
  });

  it('runs from the CLI: `durable-flow init <dir>`', async () => {
    const dir = path.join(tempDir(), 'from-cli');
    const r = await run(process.execPath, [path.join(repo, 'bin/durable-flow.js'), 'init', dir], { cwd: repo });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('created   workflows/hello.yaml');
    expect(fs.existsSync(path.join(dir, 'test/hello.test.ts'))).toBe(true);
  });
});

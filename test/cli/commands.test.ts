/**
 * The CLI as a person meets it, run as a child process: help for every command, the version,
 * "did you mean" for a mistyped command, option or action, and every usage mistake answered on
 * one line of standard error with exit status 2.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../compiler/src/cli';
import { spawn } from 'node:child_process';
import { freePort, until } from '../host/http-helpers';
import { run as spawnAsync } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/durable-flow.js');
const cli = (...args: string[]) => spawnAsync(process.execPath, [bin, ...args], { timeoutMs: 60_000 });

/** A usage error: status 2, nothing on standard output, one line on standard error. */
function expectUsageError(r: { status: number | null; stdout: string; stderr: string }, text: string): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(text);
}

describe('durable-flow help and version', () => {
  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v']) {
      const r = await cli(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('lists the commands with --help, and answers a bare call with the list and status 2', async () => {
    const r = await cli('--help');
    expect(r.status).toBe(0);
    for (const c of ['check', 'compile', 'dev', 'start', 'run', 'instances', 'versions', 'graph', 'schema']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c} +\\S`));
    const bare = await cli();
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe(r.stdout);
  });

  it('has --help for every command, naming each of its options', async () => {
    const results = await Promise.all(COMMANDS.map((c) => cli(c.name, '--help')));
    COMMANDS.forEach((c, i) => {
      const r = results[i];
      expect(r.status, `${c.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout.startsWith(`usage: durable-flow ${c.name}`)).toBe(true);
      for (const option of Object.keys(c.options)) expect(r.stdout, `${c.name} --${option}`).toContain(`--${option}`);
    });
    const viaHelp = await cli('help', 'dev');
    expect(viaHelp.stdout).toBe(results[COMMANDS.findIndex((c) => c.name === 'dev')].stdout);
  });
});

describe('durable-flow usage errors', () => {
  it('suggests the command meant', async () => {
    expectUsageError(await cli('compil'), "unknown command 'compil' — did you mean 'compile'?");
    expectUsageError(await cli('instaces', 'list'), "did you mean 'instances'?");
    expectUsageError(await cli('frobnicate'), "unknown command 'frobnicate' (see durable-flow --help)");
  });

  it('suggests the option meant, per command', async () => {
    expectUsageError(await cli('compile', '--wach'), "durable-flow compile: unknown option '--wach' — did you mean '--watch'?");
    expectUsageError(await cli('run', 'hello', '--wiat'), "unknown option '--wiat' — did you mean '--wait'?");
    // --watch is compile's, not check's
    expectUsageError(await cli('check', '--watch'), "durable-flow check: unknown option '--watch'");
    expectUsageError(await cli('compile', 'watch'), "compile takes no arguments, got 'watch' — did you mean '--watch'?");
  });

  it('names the option whose value is missing or wrong', async () => {
    expectUsageError(await cli('start', '--port'), '--port needs a n');
    expectUsageError(await cli('start', '--port', 'eighty'), "--port needs a whole number from 0 to 65535, got 'eighty'");
    expectUsageError(await cli('dev', '--sync', 'fulll'), "--sync must be normal or full, got 'fulll' — did you mean 'full'?");
    expectUsageError(await cli('check', '--format', 'xml'), "--format must be text or json, got 'xml'");
    expectUsageError(await cli('compile', '--watch=yes'), '--watch takes no value');
    expectUsageError(await cli('start', '--storage', 'x'), '--storage is for the extension engine');
  });

  it('checks the arguments of run and instances before calling anything', async () => {
    expectUsageError(await cli('run'), 'run needs one workflow name');
    expectUsageError(await cli('run', 'hello', '--url', 'ftp://x'), '--url must be http or https');
    expectUsageError(await cli('run', 'hello', '--input', path.join(repo, 'no-such-file.json')), "--input: cannot read '");
    expectUsageError(await cli('instances', 'purg', 'x'), "unknown action 'purg' — did you mean 'purge'?");
    expectUsageError(await cli('instances', 'raise', 'id-only'), 'usage: durable-flow instances raise <id> <event>');
    expectUsageError(await cli('instances', 'raise', 'id', 'Go', '--data', '{nope'), '--data must be JSON');
    expectUsageError(await cli('versions', 'prune', 'x', '--below', 'two'), "--below needs a whole number from 1, got 'two'");
  });

  it('says when no app answers at the URL (exit 1, not a stack trace)', async () => {
    const port = await freePort();
    const r = await cli('instances', 'list', '--url', `http://127.0.0.1:${port}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`durable-flow instances: no app answers at http://127.0.0.1:${port} (ECONNREFUSED): start one with durable-flow dev or start, or pass --url\n`);
  });
});

describe('npm start', () => {
  it('passes its arguments to durable-flow start (npm start -- --port N)', async () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    // npm appends the arguments after `--` to the script: they must reach `start`, not a later command.
    expect(scripts.start).toBe('node bin/durable-flow.js start');
    expect(scripts.dev).toBe('node bin/durable-flow.js dev');
    // And for real, on this repository's app as built (--no-compile: nothing here is rewritten).
    const port = await freePort();
    const child = spawn('npm', ['start', '--', '--port', String(port), '--no-compile', '--db', ':memory:'], { cwd: repo, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    child.stderr!.on('data', (b) => (out += b));
    try {
      await until(async () => (out.includes(`listening on http://127.0.0.1:${port}`) ? true : child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), `npm start:\n${out}`, 60_000);
      const input = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'df-npm-start-')), 'input.json');
      fs.writeFileSync(input, '{}');
      const r = await cli('run', 'hello', '--input', input, '--wait', '--url', `http://127.0.0.1:${port}`);
      fs.rmSync(path.dirname(input), { recursive: true, force: true });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toBeTruthy();
    } finally {
      // npm runs the script in a shell: stop the whole group.
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
    }
  }, 120_000);
});

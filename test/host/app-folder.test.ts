/**
 * The host reads an app folder that may come from anyone's pull request: a host.json hubName that
 * climbs out of the folder, or a committed `.durable` that is a symbolic link, must not make it
 * write outside the app.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../../host/main';

const made: string[] = [];

function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `df-${name}-`));
  made.push(dir);
  return dir;
}

/** The smallest folder the host accepts as an app: package.json's main exists. */
function appWith(hostJson: object): string {
  const dir = tempDir('app');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), '');
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson));
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the host keeps its state inside the app folder', () => {
  it('refuses a hubName that would name a file elsewhere, and creates nothing', async () => {
    for (const hubName of ['../../escaped', '/tmp/escaped', '.hidden', 'a\\b']) {
      const dir = appWith({ version: '2.0', extensions: { durableTask: { hubName } } });
      await expect(createHost({ appDir: dir, quiet: true, port: 0 })).rejects.toThrow(/hubName.* cannot name a task hub/);
      expect(fs.readdirSync(dir).sort()).toEqual(['host.json', 'index.js', 'package.json']);
    }
  });

  it('refuses a .durable that is a symbolic link, and writes nothing where it points', async () => {
    const dir = appWith({ version: '2.0' });
    const elsewhere = tempDir('elsewhere');
    fs.symlinkSync(elsewhere, path.join(dir, '.durable'));
    await expect(createHost({ appDir: dir, quiet: true, port: 0 })).rejects.toThrow(/\.durable is a symbolic link .* the host keeps its state only in a real folder/);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('refuses a .durable that is a file', async () => {
    const dir = appWith({ version: '2.0' });
    fs.writeFileSync(path.join(dir, '.durable'), 'not a folder');
    await expect(createHost({ appDir: dir, quiet: true, port: 0 })).rejects.toThrow(/\.durable is not a folder/);
  });
});

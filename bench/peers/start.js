#!/usr/bin/env node
/**
 * Entry of `npm run bench:peers` (root package.json): installs bench/peers' own dependencies when
 * they are missing or stale (npm ci from the committed package-lock.json), then runs run.ts with
 * the given arguments. The peers never enter the project's dependencies.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const lock = path.join(here, 'package-lock.json');
const installed = path.join(here, 'node_modules', '.package-lock.json');
const env = { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1' };
if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs) {
  process.stderr.write('bench/peers: installing its dependencies (npm ci)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(here, 'run.ts'), ...process.argv.slice(2)], { cwd: here, stdio: 'inherit', env });
process.exit(r.status ?? 1);

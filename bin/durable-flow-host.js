#!/usr/bin/env node
// The embedded host (host/cli.ts: `durable-flow-host [appDir] [--port N] ...`): from source
// through tsx in a clone, compiled JavaScript from dist/ in the installed package.
const fs = require('node:fs');
const path = require('node:path');
const source = path.join(__dirname, '../host/cli.ts');
if (fs.existsSync(source)) require('tsx/cjs');
require(fs.existsSync(source) ? source : '../dist/host/cli.js');

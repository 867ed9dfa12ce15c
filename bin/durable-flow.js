#!/usr/bin/env node
// The durable-flow CLI. In a clone the compiler is TypeScript run through tsx, so there is no
// build step between editing the compiler and using it; the installed package (no sources in
// it) runs its compiled JavaScript from dist/, built by `npm pack` (prepack), with no TypeScript
// toolchain at run time.
const fs = require('node:fs');
const path = require('node:path');
const source = path.join(__dirname, '../compiler/src/cli.ts');
if (fs.existsSync(source)) require('tsx/cjs');
require(fs.existsSync(source) ? source : '../dist/compiler/src/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    if (code !== undefined) process.exitCode = code;
  });

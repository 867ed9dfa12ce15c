#!/usr/bin/env node
// The durable-flow CLI. The compiler is TypeScript run through tsx, so there is no build step
// between editing the compiler and using it.
require('tsx/cjs');
require('../compiler/src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    if (code !== undefined) process.exitCode = code;
  });

import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // This repository's own tests use the kit from its sources (as tsconfig.json's `paths` does for
    // the type check), so a test file runs after `npm run compile` alone, without `npm run build`.
    // The compiled kit in dist/ is what other projects get: test/testing/outside.test.ts runs it.
    alias: { 'durable-flow/testing': path.resolve(__dirname, 'testing/index.ts') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Host and language-server tests spawn processes and serve HTTP; two cores, so keep it modest.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

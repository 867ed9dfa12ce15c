'use strict';
/**
 * Runs Azurite (its own command-line entry, with the arguments given) and ends it when the
 * process that started it is gone: a host killed outright must not leave an emulator behind.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
process.argv.splice(1, 1, require.resolve('azurite/dist/src/azurite.js'));
require('azurite/dist/src/azurite.js');

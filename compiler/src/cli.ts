/**
 * The `durable-flow` command line; its commands are in cli/ (one module each, cli/index.ts lists
 * them). This module stays the entry bin/durable-flow.js loads.
 */
export { main, COMMANDS } from './cli/index';

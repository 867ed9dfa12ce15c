/** Log lines Functions users recognise (`Executing 'Functions.x' (Reason=..., Id=...)`), timestamped. */

export interface Logger {
  info(message: string): void;
  error(message: string): void;
  verbose(message: string): void;
  executing(fn: string, reason: string, id: string): void;
  executed(fn: string, outcome: 'Succeeded' | 'Failed', id: string, ms: number): void;
  state(orchestration: string, instanceId: string, status: string, detail?: string): void;
}

export function createLogger(options: { verbose: boolean; quiet?: boolean; write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const out = (line: string): void => {
    if (!options.quiet) write(`[${new Date().toISOString()}] ${line}`);
  };
  return {
    info: out,
    error: (m) => write(`[${new Date().toISOString()}] ERROR ${m}`),
    verbose: (m) => options.verbose && out(m),
    executing: (fn, reason, id) => out(`Executing 'Functions.${fn}' (Reason='${reason}', Id=${id})`),
    executed: (fn, outcome, id, ms) => out(`Executed 'Functions.${fn}' (${outcome}, Id=${id}, Duration=${ms}ms)`),
    state: (o, id, status, detail) => out(`${o}: instance ${id} is ${status}${detail ? `: ${detail.split('\n')[0]}` : ''}`),
  };
}

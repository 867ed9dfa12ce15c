/**
 * `instances [list|show|raise|terminate|purge]`: the instances of a running app, through the
 * Durable Functions webhook API (/runtime/webhooks/durabletask/instances), which the embedded
 * host, `func start` and every Durable Functions app on Azure serve (there with the
 * `durabletask_extension` system key: --key).
 */
import { intOption, UsageError } from '../args';
import type { Command } from '../command';
import { CONNECTION_OPTIONS, connectionOf, errorText, readJsonInput, request, RequestError, type Answer, type Connection } from '../http';
import { didYouMean } from '../../suggest';

const WEBHOOK = '/runtime/webhooks/durabletask/instances';
const ACTIONS = ['list', 'show', 'raise', 'terminate', 'purge'] as const;
type Action = (typeof ACTIONS)[number];

const USAGE: Record<Action, string> = {
  list: 'instances [list] [--status Running,Pending] [--workflow name] [--top n] [--json]',
  show: 'instances show <id> [--history]',
  raise: 'instances raise <id> <event> [--data json | --input file|-]',
  terminate: 'instances terminate <id> [--reason text]',
  purge: 'instances purge <id>',
};

export const instances: Command = {
  name: 'instances',
  summary: "list, show, raise an event to, terminate or purge a running app's instances",
  usage: 'instances [list|show|raise|terminate|purge] ... [--url base-url] [--key key]',
  details: Object.values(USAGE).map((u) => `  durable-flow ${u}`).join('\n'),
  options: {
    status: { type: 'string', value: 'list', help: '(list) only these runtime statuses, comma-separated' },
    workflow: { type: 'string', value: 'name', help: "(list) only this workflow's instances" },
    top: { type: 'string', value: 'n', help: '(list) at most n instances (default 20)' },
    json: { type: 'boolean', help: "(list) Durable's JSON instead of a table" },
    history: { type: 'boolean', help: '(show) with the history' },
    data: { type: 'string', value: 'json', help: '(raise) the event payload as JSON text' },
    input: { type: 'string', value: 'file|-', help: '(raise) the event payload, JSON from a file or standard input' },
    reason: { type: 'string', value: 'text', help: '(terminate) why (default: terminated from the command line)' },
    ...CONNECTION_OPTIONS,
  },
  async run(args) {
    const [word = 'list', ...rest] = args.positionals;
    if (!(ACTIONS as readonly string[]).includes(word)) throw new UsageError(`unknown action '${word}'${didYouMean(word, ACTIONS)}; actions: ${ACTIONS.join(', ')}`);
    const action = word as Action;
    const arity: Record<Action, number> = { list: 0, show: 1, raise: 2, terminate: 1, purge: 1 };
    if (rest.length !== arity[action]) throw new UsageError(`usage: durable-flow ${USAGE[action]}`);
    const c = connectionOf(args.values);
    try {
      switch (action) {
        case 'list':
          return await list(c, args.values);
        case 'show': {
          const q = new URLSearchParams({ showInput: 'true', ...(args.values.history === true ? { showHistory: 'true', showHistoryOutput: 'true' } : {}) });
          const a = await request(c, 'GET', `${WEBHOOK}/${encodeURIComponent(rest[0])}?${q}`);
          if (a.status !== 200 && a.status !== 202) return failed(`show ${rest[0]}`, a);
          process.stdout.write(JSON.stringify(a.body, null, 2) + '\n');
          return 0;
        }
        case 'raise': {
          if (args.values.data !== undefined && args.values.input !== undefined) throw new UsageError('--data or --input, not both');
          let data: unknown = null;
          if (typeof args.values.input === 'string') data = readJsonInput(args.values.input, '--input');
          else if (typeof args.values.data === 'string') {
            try {
              data = JSON.parse(args.values.data);
            } catch (e) {
              throw new UsageError(`--data must be JSON (${e instanceof Error ? e.message : String(e)}); a string is written '"text"'`);
            }
          }
          const a = await request(c, 'POST', `${WEBHOOK}/${encodeURIComponent(rest[0])}/raiseEvent/${encodeURIComponent(rest[1])}`, data);
          if (a.status !== 202 && a.status !== 200) return failed(`raise ${rest[1]} to ${rest[0]}`, a);
          process.stdout.write(`raised ${rest[1]} to ${rest[0]}\n`);
          return 0;
        }
        case 'terminate': {
          const reason = typeof args.values.reason === 'string' ? args.values.reason : 'terminated from the command line';
          const a = await request(c, 'POST', `${WEBHOOK}/${encodeURIComponent(rest[0])}/terminate?${new URLSearchParams({ reason })}`);
          if (a.status !== 202 && a.status !== 200) return failed(`terminate ${rest[0]}`, a);
          process.stdout.write(`terminated ${rest[0]}\n`);
          return 0;
        }
        case 'purge': {
          const a = await request(c, 'DELETE', `${WEBHOOK}/${encodeURIComponent(rest[0])}`);
          if (a.status !== 200) return failed(`purge ${rest[0]}`, a);
          process.stdout.write(`purged ${rest[0]}\n`);
          return 0;
        }
      }
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      process.stderr.write(`durable-flow instances: ${e.message}\n`);
      return 1;
    }
  },
};

function failed(what: string, a: Answer): number {
  const hint = a.status === 404 ? ' (no such instance)' : a.status === 410 ? ' (it has finished)' : '';
  process.stderr.write(`durable-flow instances: ${what}: ${errorText(a)}${hint}\n`);
  return 1;
}

interface Row {
  instanceId: string;
  name: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
}

async function list(c: Connection, values: Record<string, string | boolean | undefined>): Promise<number> {
  const top = intOption(values, 'top', 1, 1000) ?? 20;
  const workflow = typeof values.workflow === 'string' ? values.workflow : undefined;
  const q = new URLSearchParams();
  if (typeof values.status === 'string') q.set('runtimeStatus', values.status);
  // Filtered by workflow here, so read pages until enough match.
  const rows: Row[] = [];
  let token: string | undefined;
  do {
    q.set('top', String(workflow ? 100 : top - rows.length));
    const a = await requestPage(c, `${WEBHOOK}?${q}`, token);
    if (a.answer.status !== 200) return failed('list', a.answer);
    const page = (Array.isArray(a.answer.body) ? a.answer.body : []) as Row[];
    rows.push(...page.filter((r) => !workflow || r.name === workflow));
    token = a.next;
  } while (token && rows.length < top);
  const shown = rows.slice(0, top);
  if (values.json === true) {
    process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
    return 0;
  }
  if (shown.length === 0) {
    process.stdout.write('no instances\n');
    return 0;
  }
  const table = [['ID', 'WORKFLOW', 'STATUS', 'CREATED', 'UPDATED'], ...shown.map((r) => [r.instanceId, r.name, r.runtimeStatus, r.createdTime, r.lastUpdatedTime])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i] ?? '').length)));
  for (const row of table) process.stdout.write(row.map((cell, i) => String(cell ?? '').padEnd(i === row.length - 1 ? 0 : widths[i] + 2)).join('').trimEnd() + '\n');
  if (token) process.stdout.write(`(more: --top ${top * 2})\n`);
  return 0;
}

/** One page of the list; Durable pages with the x-ms-continuation-token header. */
async function requestPage(c: Connection, url: string, token: string | undefined): Promise<{ answer: Answer; next?: string }> {
  const answer = await request(c, 'GET', url, undefined, token ? { 'x-ms-continuation-token': token } : {});
  return { answer, next: answer.headers.get('x-ms-continuation-token') || undefined };
}

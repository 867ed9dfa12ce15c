/** The OpenAPI 3.1 document of every workflow's HTTP surface (start, status, manage). */
import { MAX_NAME_LENGTH, NAME_PATTERN, NAME_RULE } from '../../../runtime/ids';
import type { Project, Workflow } from '../model';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown): Record<string, unknown> => ({ 'application/json': { schema } });
const error = (description: string): Record<string, unknown> => ({ description, content: json(ref('Error')) });

function security(w: Workflow): Array<Record<string, string[]>> {
  return w.trigger.http.authLevel === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyHeader: [] }];
}

function paths(w: Workflow): Record<string, unknown> {
  const base = `/api/${w.trigger.http.route}`;
  const tags = [w.name];
  const sec = security(w);
  const name = { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: NAME_PATTERN };
  const idParam = { name: 'id', in: 'path', required: true, description: `instance id: ${NAME_RULE}`, schema: name };
  const badId = error(`an instance id (or event name) that is not ${NAME_RULE}; the message names it`);
  const action = (summary: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    post: {
      tags,
      summary,
      security: sec,
      parameters: [idParam],
      responses: { '202': { description: 'accepted' }, '400': badId, '404': error('no such instance of this workflow'), '410': error('the instance has finished'), ...extra },
    },
  });
  const start: Record<string, unknown> = {};
  for (const m of w.trigger.http.methods) {
    start[m.toLowerCase()] = {
      tags,
      summary: `Start ${w.name}${w.description ? `: ${w.description}` : ''}`,
      security: sec,
      parameters: [
        {
          name: 'wait',
          in: 'query',
          required: false,
          description: 'wait up to this long (e.g. 30s, at most 230s) for the instance to finish: 200 with its output if it completes, 500 with `{ id, status, error }` if it fails or is terminated, 202 with the status links if it still runs',
          schema: { type: 'string' },
        },
      ],
      requestBody: { required: false, content: json(w.inputSchema ?? {}) },
      responses: {
        '200': { description: 'with `wait`: the instance completed; the body is its output as JSON (`null` when it has none)', content: json({}) },
        '202': { description: 'started (or, for a singleton, already running; with `wait`, still running when the wait ended): Durable status links', content: json(ref('CheckStatus')) },
        '400': error(`malformed JSON, input that does not match the schema (violations listed), a bad \`wait\`${w.singleton ? ', or a singleton key that is not a valid instance id' : ''}`),
        ...(w.singleton?.onConflict === 'reject' ? { '409': error('an instance with this singleton key is running') } : {}),
        '413': error('body over the limit'),
        '500': { description: 'with `wait`: the instance failed or was terminated', content: json(ref('Finished')) },
      },
    };
  }
  return {
    [base]: start,
    [`${base}/instances`]: {
      get: {
        tags,
        summary: `List ${w.name} instances`,
        description: 'Newest first, a page at a time: pass the continuationToken of one page to get the next.',
        security: sec,
        parameters: [
          { name: 'status', in: 'query', schema: { type: 'string' }, description: 'comma-separated runtime statuses, e.g. Running,Pending' },
          { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'a page of instances', content: json({ type: 'object', properties: { instances: { type: 'array', items: ref('Instance') }, continuationToken: { type: ['string', 'null'] } } }) },
          '400': error('bad filter'),
        },
      },
    },
    [`${base}/instances/{id}`]: {
      get: {
        tags,
        summary: `Status of a ${w.name} instance`,
        security: sec,
        parameters: [idParam, { name: 'history', in: 'query', schema: { type: 'boolean' } }],
        responses: { '200': { description: 'the instance, whatever its status', content: json(ref('Instance')) }, '400': badId, '404': error('no such instance of this workflow') },
      },
      delete: {
        tags,
        summary: `Purge a ${w.name} instance`,
        security: sec,
        parameters: [idParam],
        responses: { '200': { description: 'purged' }, '400': badId, '404': error('no such instance of this workflow') },
      },
    },
    [`${base}/instances/{id}/events/{event}`]: {
      post: {
        tags,
        summary: 'Raise an event',
        security: sec,
        parameters: [idParam, { name: 'event', in: 'path', required: true, description: `event name: ${NAME_RULE}`, schema: name }],
        requestBody: { required: false, content: json({}) },
        responses: { '202': { description: 'accepted' }, '400': badId, '404': error('no such instance'), '410': error('the instance has finished') },
      },
    },
    [`${base}/instances/{id}/terminate`]: action('Terminate, with the sub-workflows and partition slices it started that still run'),
    [`${base}/instances/{id}/suspend`]: action('Suspend'),
    [`${base}/instances/{id}/resume`]: action('Resume'),
    [`${base}/instances/{id}/restart`]: w.singleton
      ? action('Restart with the same input under the same id (a singleton), once it has finished', { '409': error('the instance is still running') })
      : action('Restart with the same input (new instance id)'),
  };
}

export function openApiDocument(project: Project): Record<string, unknown> {
  const workflows = [...project.workflows].sort((a, b) => a.name.localeCompare(b.name));
  return {
    openapi: '3.1.0',
    info: { title: 'durable-flow workflows', version: '1.0.0', description: 'Generated by durable-flow from workflows/*.yaml. Do not edit.' },
    tags: workflows.map((w) => ({ name: w.name, description: w.description ?? `workflows/${w.name}` })),
    paths: Object.assign({}, ...workflows.map(paths)),
    components: {
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'query', name: 'code' },
        functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
            violations: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        InstanceError: {
          type: 'object',
          required: ['name', 'message'],
          description: "Why an instance failed: the error's name and message as a `catch` would see them (`Terminated` and the reason for a terminated instance, in a `?wait` answer)",
          properties: {
            name: { type: 'string' },
            message: { type: 'string' },
            text: { type: 'string', description: "The failure as the Durable extension words it: `Orchestrator function '<workflow>' failed: <name>: <message>` (a failed instance only)" },
          },
        },
        Finished: {
          type: 'object',
          required: ['id', 'status', 'error'],
          description: 'A `?wait` answer for an instance that ended without an output',
          properties: { id: { type: 'string' }, status: { type: 'string', enum: ['Failed', 'Terminated', 'Canceled'] }, error: ref('InstanceError') },
        },
        CheckStatus: {
          type: 'object',
          properties: Object.fromEntries(
            ['id', 'statusQueryGetUri', 'sendEventPostUri', 'terminatePostUri', 'rewindPostUri', 'purgeHistoryDeleteUri', 'restartPostUri', 'suspendPostUri', 'resumePostUri'].map((k) => [k, { type: 'string' }]),
          ),
        },
        Instance: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            workflow: { type: 'string' },
            version: { type: ['integer', 'null'], minimum: 1, description: 'The version of the workflow the instance runs; null when the backend reports none' },
            status: { type: 'string', enum: ['Pending', 'Running', 'Completed', 'Failed', 'Terminated', 'Suspended', 'ContinuedAsNew'] },
            input: {},
            output: {},
            error: { oneOf: [ref('InstanceError'), { type: 'null' }], description: 'Why a failed instance failed; null otherwise' },
            customStatus: {},
            progress: { type: ['object', 'null'] },
            compensations: {
              type: ['array', 'null'],
              description: 'The compensations `compensate: all` steps ran, in the order they ran: the step each undoes (its id, or <kind>@<line>), what undoes it, and running, completed or failed (with the error).',
              items: { type: 'object', properties: { step: { type: 'string' }, undo: { type: 'string' }, state: { type: 'string', enum: ['running', 'completed', 'failed'] }, error: { type: 'object' } } },
            },
            steps: {
              type: ['object', 'null'],
              description: 'The state of each step that has started, by its graph key (see /api/flow): running, completed or failed.',
              additionalProperties: { type: 'string', enum: ['running', 'completed', 'failed'] },
            },
            late: {
              type: 'array',
              description: 'Present when a timeout, a decided quorum or a failed branch abandoned activities or child workflows: each with how it ended after that (outcome absent while it still runs). The workflow\'s own outcome never depends on them.',
              items: {
                type: 'object',
                properties: {
                  what: { type: 'string' },
                  by: { type: 'string', enum: ['timeout', 'quorum', 'failure'] },
                  abandonedAt: { type: 'string', format: 'date-time' },
                  outcome: { type: 'string', enum: ['Completed', 'Failed'] },
                  error: { type: 'string' },
                },
              },
            },
            lateOmitted: { type: 'integer', description: 'How many earlier abandoned-work records `late` leaves out: it keeps the latest 30.' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
            history: { type: 'array' },
          },
        },
      },
    },
  };
}

/** `graph <workflow>`: the workflow's graph (the one /api/flow shows) as SVG or Mermaid. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { choice, UsageError } from '../args';
import { ROOT, rootOf, type Command } from '../command';
import { report } from '../project-output';
import { checkProjectDir } from '../../front-end';
import { renderMermaid } from '../../graph/mermaid';
import { buildGraph } from '../../graph/model';
import { renderSvg } from '../../graph/svg';
import { didYouMean } from '../../suggest';

export const graph: Command = {
  name: 'graph',
  summary: 'write a workflow\'s graph (the one /api/flow shows) as SVG or Mermaid, for docs and reviews',
  usage: 'graph <workflow> [--format svg|mermaid] [--out file]',
  options: {
    ...ROOT,
    format: { type: 'string', value: 'svg|mermaid', help: 'svg (default, standalone with its styles) or mermaid' },
    out: { type: 'string', value: 'file', help: 'write to this file instead of standard output' },
  },
  run(args) {
    const format = choice(args.values, 'format', ['svg', 'mermaid'] as const, '--format of graph');
    if (args.positionals.length !== 1) throw new UsageError('graph needs a workflow name: durable-flow graph <workflow>');
    const name = args.positionals[0];
    const front = checkProjectDir(rootOf(args));
    if (!front.ok) {
      report(front, 'text');
      return 1;
    }
    const w = front.project.workflows.find((x) => x.name === name);
    if (!w) {
      const names = front.project.workflows.map((x) => x.name).sort();
      process.stderr.write(`durable-flow: no workflow named '${name}'; the workflows are ${names.join(', ') || '(none)'}${didYouMean(name, names)}\n`);
      return 1;
    }
    const { graph: g } = buildGraph(w);
    const text = format === 'mermaid' ? renderMermaid(g) : renderSvg(g, { standalone: true });
    if (typeof args.values.out === 'string') {
      const out = path.resolve(args.values.out);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
      process.stdout.write(`wrote ${path.relative(process.cwd(), out) || out}\n`);
    } else process.stdout.write(text);
    return 0;
  },
};

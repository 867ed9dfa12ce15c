/**
 * Builds dist/ in this process and keeps the TypeScript program between builds, so a rebuild
 * after one edit re-checks and re-emits only the files it affects (tsc's own incremental
 * builder), in a fraction of the time a `tsc -p tsconfig.build.json` run takes. `compile --watch`
 * and `dev` use it; a one-off `compile` runs tsc (compile.ts `buildDist`).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { treeProblems } from '../project-paths';
import { DIST_DIR } from '../compile';
import { ProjectPathError } from '../project-paths';

type Ts = typeof import('typescript');

/** The project's TypeScript when it has the compiler API, else the one ts-morph carries. */
function typescriptFor(root: string): Ts {
  try {
    const own = require(require.resolve('typescript', { paths: [root] })) as Ts;
    if (typeof own.createEmitAndSemanticDiagnosticsBuilderProgram === 'function') return own;
  } catch {
    // no TypeScript of its own, or one without the JavaScript API
  }
  return (require('ts-morph') as { ts: Ts }).ts;
}

export interface BuildResult {
  ok: boolean;
  /** tsc's diagnostics, `file(line,col): error TS...` as `tsc --pretty false` prints them. */
  output: string;
  /** The files this build wrote into dist/. */
  emitted: string[];
}

export class DistBuilder {
  private readonly ts: Ts;
  private previous?: import('typescript').EmitAndSemanticDiagnosticsBuilderProgram;
  /** Parsed source files by path and text: unchanged files (lib.d.ts, node_modules types) are parsed once. */
  private readonly parsed = new Map<string, { text: string; file: import('typescript').SourceFile; mtimeMs: number; size: number }>();

  constructor(private readonly root: string) {
    this.ts = typescriptFor(root);
  }

  build(): BuildResult {
    try {
      return this.buildOnce();
    } catch (e) {
      // An unreadable tsconfig.build.json, a file that vanished mid-build: this build failed, the watch goes on.
      return { ok: false, output: e instanceof Error ? e.message : String(e), emitted: [] };
    }
  }

  private buildOnce(): BuildResult {
    const problems = treeProblems(this.root, DIST_DIR);
    if (problems.length) return { ok: false, output: problems.map((d) => new ProjectPathError(d).message).join('\n'), emitted: [] };
    const ts = this.ts;
    const formatHost = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => this.root, getNewLine: () => '\n' };
    // Read again on every build: a new workflow adds files under generated/.
    const config = ts.getParsedCommandLineOfConfigFile(path.join(this.root, 'tsconfig.build.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.formatDiagnostics([d], formatHost));
      },
    });
    if (!config) return { ok: false, output: 'tsconfig.build.json could not be read', emitted: [] };
    const host = ts.createCompilerHost(config.options);
    const libDir = path.dirname(ts.getDefaultLibFilePath(config.options));
    host.getSourceFile = (fileName, languageVersion) => {
      const known = this.parsed.get(fileName);
      // Installed declarations (node_modules, TypeScript's lib files) do not change while a watch runs.
      if (known && (fileName.includes('/node_modules/') || fileName.startsWith(libDir))) return known.file;
      const stat = fs.statSync(fileName, { throwIfNoEntry: false });
      if (!stat) return undefined;
      if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.file;
      const text = ts.sys.readFile(fileName);
      if (text === undefined) return undefined;
      if (known && known.text === text) {
        this.parsed.set(fileName, { ...known, mtimeMs: stat.mtimeMs, size: stat.size });
        return known.file;
      }
      const file = ts.createSourceFile(fileName, text, languageVersion);
      // The builder compares files by version: the text's hash.
      (file as { version?: string }).version = crypto.createHash('sha1').update(text).digest('hex');
      this.parsed.set(fileName, { text, file, mtimeMs: stat.mtimeMs, size: stat.size });
      return file;
    };
    const emitted: string[] = [];
    const writeFile = host.writeFile;
    host.writeFile = (fileName, ...rest) => {
      emitted.push(fileName);
      writeFile(fileName, ...rest);
    };
    const program = ts.createEmitAndSemanticDiagnosticsBuilderProgram(config.fileNames, config.options, host, this.previous, ts.getConfigFileParsingDiagnostics(config), config.projectReferences);
    this.previous = program;
    const diagnostics = [
      ...program.getConfigFileParsingDiagnostics(),
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...program.getSemanticDiagnostics(),
    ];
    const emit = program.emit();
    const all = [...diagnostics, ...emit.diagnostics];
    const errors = all.filter((d) => d.category === ts.DiagnosticCategory.Error);
    return { ok: errors.length === 0, output: ts.formatDiagnostics(all, formatHost).trim(), emitted };
  }
}

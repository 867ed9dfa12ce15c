/**
 * Type-checks generated files under the project's strict settings without writing them: the
 * files live in memory under a folder of the repository that does not exist, so their imports of
 * the runtime and node_modules resolve as they would from generated/.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');

/** Where virtual files are placed: `<root>/<folder>/generated/...` imports the runtime as `../../../runtime`. */
export function virtualBase(folder: string): string {
  return path.join(root, folder);
}

/** Diagnostics (`file:line message`) of a program made of `files` (absolute path -> text). */
export function typecheck(base: string, files: ReadonlyMap<string, string>): string[] {
  const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options: projectOptions } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const options: ts.CompilerOptions = { ...projectOptions, noEmit: true, rootDir: undefined };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.directoryExists = (d) => d === base || d.startsWith(base + path.sep) || ts.sys.directoryExists(d);
  host.getSourceFile = (f, lang, onError) => {
    const text = files.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, onError);
  };
  const program = ts.createProgram([...files.keys()].filter((f) => f.endsWith('.ts')), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(base, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

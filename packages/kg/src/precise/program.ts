import path from 'node:path';
import ts from 'typescript';
import { sandboxCompilerHost, sandboxParseHost, type Sandbox } from './sandbox-host.js';

/**
 * The `ts.Program` of the precise pass: the indexed files as roots, the
 * repository's `tsconfig.json` compiler options when it has one (paths, baseUrl,
 * module resolution, lib, jsx), read through the sandbox. Options that would
 * write, run plugins or read outside the sandbox's policy are overridden.
 */

/** When the repository has no tsconfig.json (or it does not parse). */
export const DEFAULT_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.Preserve,
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
  esModuleInterop: true,
  strict: true,
};

/** Always applied on top: never emit, read JS sources but do not check them, no automatic `@types`. */
const FORCED: ts.CompilerOptions = {
  noEmit: true,
  allowJs: true,
  checkJs: false,
  skipLibCheck: true,
  skipDefaultLibCheck: true,
  // JavaScript inside node_modules is never loaded, only declarations.
  maxNodeModuleJsDepth: 0,
  incremental: false,
  composite: false,
  declaration: false,
  declarationMap: false,
  sourceMap: false,
  noLib: false,
};

export interface BuiltProgram {
  program: ts.Program;
  /** 'tsconfig.json' when its options were used, else 'defaults'. */
  config: 'tsconfig.json' | 'defaults';
  /** Problems reading the tsconfig (the first few), when defaults were used or options were dropped. */
  configErrors: string[];
}

export function compilerOptionsFor(sandbox: Sandbox): { options: ts.CompilerOptions; config: BuiltProgram['config']; errors: string[] } {
  const root = sandbox.limits.root;
  const configPath = path.join(root, 'tsconfig.json');
  const text = sandbox.fileExists(configPath) ? sandbox.readFile(configPath) : undefined;
  if (text === undefined) return { options: { ...DEFAULT_COMPILER_OPTIONS, ...FORCED, types: [] }, config: 'defaults', errors: [] };
  const json = ts.parseConfigFileTextToJson(configPath, text);
  if (json.error || typeof json.config !== 'object' || json.config === null) {
    return { options: { ...DEFAULT_COMPILER_OPTIONS, ...FORCED, types: [] }, config: 'defaults', errors: [flatten(json.error)] };
  }
  // Only compiler options matter: the roots are the indexed files, never the config's globs or references.
  const { compilerOptions, extends: base } = json.config as { compilerOptions?: unknown; extends?: unknown };
  const parsed = ts.parseJsonConfigFileContent({ compilerOptions, extends: base, files: [] }, sandboxParseHost(sandbox), root, undefined, configPath);
  const errors = parsed.errors.filter((e) => !NO_INPUTS_CODES.has(e.code)).map(flatten).slice(0, 5);
  const options: ts.CompilerOptions = { ...parsed.options, ...FORCED };
  delete options.plugins;
  delete options.tsBuildInfoFile;
  delete options.outDir;
  delete options.declarationDir;
  if (options.types === undefined) options.types = [];
  return { options, config: 'tsconfig.json', errors };
}

/** TS18002/18003: "The 'files' list is empty" / "No inputs were found": expected, the roots come from the index. */
const NO_INPUTS_CODES = new Set([18002, 18003]);

function flatten(diagnostic: ts.Diagnostic | undefined): string {
  return diagnostic ? ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ') : 'unreadable tsconfig.json';
}

export function buildProgram(sandbox: Sandbox, rootFiles: readonly string[]): BuiltProgram {
  const { options, config, errors } = compilerOptionsFor(sandbox);
  const program = ts.createProgram({ rootNames: rootFiles, options, host: sandboxCompilerHost(sandbox, options) });
  return { program, config, configErrors: errors };
}

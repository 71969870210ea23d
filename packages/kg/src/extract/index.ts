import { extractPython } from './python.js';
import { extractTypeScript } from './typescript.js';
import type { Extractor, Language } from './types.js';

export const EXTRACTORS: Readonly<Record<Language, Extractor>> = {
  ts: extractTypeScript,
  py: extractPython,
};

export * from './types.js';
export { grammarFor, languageFor, SOURCE_EXTENSIONS, stripSourceExtension } from './language.js';

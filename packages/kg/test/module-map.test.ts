import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModuleMap } from '../src/resolve/module-map.js';
import { walkRepository } from '../src/index/walk.js';

function mapOf(files: Record<string, string>): ModuleMap {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-map-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  const walk = walkRepository(root);
  return new ModuleMap({ ...walk });
}

describe('ModuleMap — TypeScript', () => {
  const map = mapOf({
    'src/a.ts': '',
    'src/util/index.ts': '',
    'src/util/strings.ts': '',
    'src/comp.tsx': '',
    'src/legacy.js': '',
    'types/globals.d.ts': '',
    'tsconfig.json': `{
      // comments and trailing commas are allowed
      "compilerOptions": { "baseUrl": ".", "paths": { "@app/*": ["src/*"], "~types": ["types/globals"], }, },
    }`,
    'packages/lib/package.json': '{ "name": "@acme/lib", "main": "dist/index.js" }',
    'packages/lib/src/index.ts': '',
    'packages/lib/src/deep/thing.ts': '',
    'packages/app/tsconfig.json': '{ "extends": "../../tsconfig.json" }',
    'packages/app/main.ts': '',
  });

  it('resolves relative specifiers with extension substitution and index files', () => {
    expect(map.resolveTs('src/a.ts', './util')).toEqual({ path: 'src/util/index.ts', resolution: 'relative' });
    expect(map.resolveTs('src/a.ts', './util/strings.js')).toEqual({ path: 'src/util/strings.ts', resolution: 'relative' });
    expect(map.resolveTs('src/util/strings.ts', '../comp')).toEqual({ path: 'src/comp.tsx', resolution: 'relative' });
    expect(map.resolveTs('src/a.ts', './legacy.js')).toEqual({ path: 'src/legacy.js', resolution: 'relative' });
    expect(map.resolveTs('src/a.ts', '../types/globals')).toEqual({ path: 'types/globals.d.ts', resolution: 'relative' });
  });

  it('keeps an unresolvable relative import as an external path', () => {
    expect(map.resolveTs('src/a.ts', './missing')).toEqual({ external: 'src/missing', resolution: 'external' });
  });

  it('applies tsconfig paths and baseUrl, following extends', () => {
    expect(map.resolveTs('src/a.ts', '@app/util/strings')).toEqual({ path: 'src/util/strings.ts', resolution: 'tsconfig' });
    expect(map.resolveTs('src/a.ts', '~types')).toEqual({ path: 'types/globals.d.ts', resolution: 'tsconfig' });
    expect(map.resolveTs('src/a.ts', 'src/comp')).toEqual({ path: 'src/comp.tsx', resolution: 'tsconfig' });
    expect(map.resolveTs('packages/app/main.ts', '@app/a')).toEqual({ path: 'src/a.ts', resolution: 'tsconfig' });
  });

  it('maps workspace packages to their sources, including subpaths', () => {
    expect(map.resolveTs('packages/app/main.ts', '@acme/lib')).toEqual({ path: 'packages/lib/src/index.ts', resolution: 'workspace' });
    expect(map.resolveTs('packages/app/main.ts', '@acme/lib/deep/thing')).toEqual({
      path: 'packages/lib/src/deep/thing.ts',
      resolution: 'workspace',
    });
  });

  it('treats packages that are not in the repo as external, by package name', () => {
    expect(map.resolveTs('src/a.ts', 'lodash/fp')).toEqual({ external: 'lodash', resolution: 'external' });
    expect(map.resolveTs('src/a.ts', '@scope/pkg/sub')).toEqual({ external: '@scope/pkg', resolution: 'external' });
    expect(map.resolveTs('src/a.ts', 'node:fs')).toEqual({ external: 'node:fs', resolution: 'external' });
  });

  it('names TS modules by path without extension', () => {
    expect(map.moduleName('src/util/strings.ts')).toBe('src/util/strings');
    expect(map.moduleName('types/globals.d.ts')).toBe('types/globals');
  });
});

describe('ModuleMap — Python', () => {
  const map = mapOf({
    'app/__init__.py': '',
    'app/core.py': '',
    'app/sub/__init__.py': '',
    'app/sub/leaf.py': '',
    'tools/pyproject.toml': '',
    'tools/src/toolkit/__init__.py': '',
    'tools/src/toolkit/cli.py': '',
    'src/layout_pkg/__init__.py': '',
    'src/layout_pkg/mod.py': '',
    'stubs/thing.pyi': '',
  });

  it('names modules from the source roots (repo root, src/ layouts, project dirs)', () => {
    expect(map.moduleName('app/core.py')).toBe('app.core');
    expect(map.moduleName('app/sub/__init__.py')).toBe('app.sub');
    expect(map.moduleName('tools/src/toolkit/cli.py')).toBe('toolkit.cli');
    expect(map.moduleName('src/layout_pkg/mod.py')).toBe('layout_pkg.mod');
    expect(map.moduleName('stubs/thing.pyi')).toBe('stubs.thing');
  });

  it('resolves absolute imports to modules and packages', () => {
    expect(map.resolvePython('app/core.py', 'app.sub.leaf', 0)).toEqual({ path: 'app/sub/leaf.py', resolution: 'absolute' });
    expect(map.resolvePython('app/core.py', 'app.sub', 0)).toEqual({ path: 'app/sub/__init__.py', resolution: 'absolute' });
    expect(map.resolvePython('app/core.py', 'toolkit', 0)).toEqual({ path: 'tools/src/toolkit/__init__.py', resolution: 'absolute' });
    expect(map.resolvePython('app/core.py', 'layout_pkg.mod', 0)).toEqual({ path: 'src/layout_pkg/mod.py', resolution: 'absolute' });
  });

  it('resolves relative imports by package level', () => {
    expect(map.resolvePython('app/sub/leaf.py', '', 1)).toEqual({ path: 'app/sub/__init__.py', resolution: 'relative' });
    expect(map.resolvePython('app/sub/leaf.py', 'core', 2)).toEqual({ path: 'app/core.py', resolution: 'relative' });
    expect(map.resolvePython('app/sub/__init__.py', 'leaf', 1)).toEqual({ path: 'app/sub/leaf.py', resolution: 'relative' });
    expect(map.resolvePython('app/__init__.py', 'core', 1)).toEqual({ path: 'app/core.py', resolution: 'relative' });
  });

  it('makes the rest external, including relative imports above the top package', () => {
    expect(map.resolvePython('app/core.py', 'os.path', 0)).toEqual({ external: 'os.path', resolution: 'external' });
    expect(map.resolvePython('app/core.py', 'x', 5)).toEqual({ external: '.....x', resolution: 'external' });
  });
});

#!/usr/bin/env python3
"""Reference import targets for the Python import-resolution accuracy test.

Input on stdin: {"root": dir, "files": [path, ...]} (paths absolute, under root).
Prints one JSON line per file: {"file": path, "error": null | str, "imports": [[line, target], ...]}
where target is the repo-relative file the interpreter would load for that
import, or null when the module is not in the tree (external).

Rules (Python's own: ast for the statements, the path finder's order for files):
- a module name maps to `a/b/__init__.py` (a package wins over a module) or `a/b.py`;
- `import a.b.c` targets the module a.b.c; if that name is not a file in the tree
  (`import os.path`: an attribute set by os), the deepest prefix that is one;
- `from X import n` (X absolute or relative) targets the submodule X.n when it is a
  file (the interpreter imports it), else X (the package or module) itself; `*` targets X;
- `from __future__` is not an import.
"""

import ast
import json
import os
import sys


def module_file(root, name):
    if not name:
        return None
    base = os.path.join(root, *name.split('.'))
    for candidate in (os.path.join(base, '__init__.py'), base + '.py'):
        if os.path.isfile(candidate):
            return os.path.relpath(candidate, root)
    return None


def deepest(root, name):
    parts = name.split('.')
    for n in range(len(parts), 0, -1):
        found = module_file(root, '.'.join(parts[:n]))
        if found is not None:
            return found
    return None


def own_package(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] == '__init__':
        return rel[:-1]
    return rel[:-1]


def targets(root, path, tree):
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append([node.lineno, deepest(root, alias.name)])
        elif isinstance(node, ast.ImportFrom):
            if node.module == '__future__':
                continue
            if node.level == 0:
                base = node.module or ''
            else:
                package = own_package(root, path)
                up = node.level - 1
                if up > len(package):
                    continue
                parts = package[:len(package) - up]
                if node.module:
                    parts = parts + node.module.split('.')
                base = '.'.join(parts)
            for alias in node.names:
                sub = None if alias.name == '*' else module_file(root, f'{base}.{alias.name}' if base else alias.name)
                out.append([node.lineno, sub if sub is not None else deepest(root, base) if base else None])
    return out


def main():
    request = json.load(sys.stdin)
    root = request['root']
    for path in request['files']:
        try:
            with open(path, 'rb') as f:
                tree = ast.parse(f.read(), filename=path)
        except (SyntaxError, ValueError) as e:
            print(json.dumps({'file': path, 'error': f'{type(e).__name__}: {e}', 'imports': []}))
            continue
        print(json.dumps({'file': path, 'error': None, 'imports': targets(root, path, tree)}))


if __name__ == '__main__':
    main()

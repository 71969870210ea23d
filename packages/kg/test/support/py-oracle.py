#!/usr/bin/env python3
"""Reference definitions for the Python extractor's accuracy test, from `ast`.

Usage: py-oracle.py FILE...   or   echo '["a.py", "b.py"]' | py-oracle.py

Prints one JSON line per file:
  {"file": path, "error": null | "SyntaxError: ...", "defs": [def, ...]}
where each def is
  {"kind", "qualname", "ordinal", "start", "end", "params", "doc"}
with the same rules the extractor follows (see extract/python.ts):
- kinds: module (qualname "", lines 1..last line), class, function, method
  (a function whose innermost enclosing scope is a class body), variable
  (annotated `name: T` at module scope), property (annotated `name: T` at class
  scope), and class for the functional forms `X = namedtuple('X', ...)`,
  `NamedTuple(...)`, `TypedDict(...)` at module or class scope;
- definitions nested in if/for/while/with/try/match blocks count, in the scope
  that holds the block; lambdas and comprehensions define nothing;
- qualname is __qualname__ without `<locals>`; ordinal counts earlier
  definitions with the same (qualname, kind) in source order;
- start is the first decorator's line when decorated, else the node's line;
  end is end_lineno;
- params lists every parameter name in order: positional-only, regular,
  *args, keyword-only, **kwargs (functions and methods; null otherwise);
- doc is ast.get_docstring(clean=True).
Files that `ast` cannot parse get an error and no defs.
"""

import ast
import json
import sys

FUNCTIONAL_CLASS_FACTORIES = {'namedtuple', 'NamedTuple', 'TypedDict'}


def last_line(source: bytes) -> int:
    count = source.count(b'\n')
    if source and not source.endswith(b'\n'):
        count += 1
    return max(1, count)


def is_dotted_name(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def functional_class_name(stmt: ast.stmt):
    """`X = namedtuple('X', ...)` and friends: the bound name, else None."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return None
    target = stmt.targets[0]
    call = stmt.value
    if not isinstance(target, ast.Name) or not isinstance(call, ast.Call):
        return None
    func = call.func
    if isinstance(func, ast.Name):
        factory = func.id
    elif isinstance(func, ast.Attribute) and is_dotted_name(func):
        factory = func.attr
    else:
        return None
    if factory not in FUNCTIONAL_CLASS_FACTORIES or not call.args:
        return None
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    return target.id


class Collector:
    def __init__(self) -> None:
        self.defs = []
        self.seen = {}

    def add(self, kind, qualname, start, end, params=None, doc=None):
        key = (qualname, kind)
        ordinal = self.seen.get(key, 0)
        self.seen[key] = ordinal + 1
        self.defs.append({
            'kind': kind,
            'qualname': qualname,
            'ordinal': ordinal,
            'start': start,
            'end': end,
            'params': params,
            'doc': doc,
        })

    def body(self, stmts, prefix, scope):
        for stmt in stmts:
            self.stmt(stmt, prefix, scope)

    def stmt(self, node, prefix, scope):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qualname = prefix + node.name
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            doc = ast.get_docstring(node, clean=True)
            if isinstance(node, ast.ClassDef):
                self.add('class', qualname, start, node.end_lineno, None, doc)
                self.body(node.body, qualname + '.', 'class')
            else:
                a = node.args
                params = [p.arg for p in a.posonlyargs + a.args]
                if a.vararg:
                    params.append(a.vararg.arg)
                params += [p.arg for p in a.kwonlyargs]
                if a.kwarg:
                    params.append(a.kwarg.arg)
                kind = 'method' if scope == 'class' else 'function'
                self.add(kind, qualname, start, node.end_lineno, params, doc)
                self.body(node.body, qualname + '.', 'function')
            return
        if isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and scope != 'function':
                kind = 'variable' if scope == 'module' else 'property'
                self.add(kind, prefix + node.target.id, node.lineno, node.end_lineno)
            return
        if isinstance(node, ast.Assign):
            name = functional_class_name(node) if scope != 'function' else None
            if name is not None:
                self.add('class', prefix + name, node.lineno, node.end_lineno)
            return
        # Compound statements: their blocks belong to the enclosing scope. Fields in
        # source order (try: body, except handlers, else, finally), so ordinals agree.
        block = getattr(node, 'body', None)
        if isinstance(block, list):
            self.body(block, prefix, scope)
        for handler in getattr(node, 'handlers', None) or []:
            self.body(handler.body, prefix, scope)
        for case in getattr(node, 'cases', None) or []:
            self.body(case.body, prefix, scope)
        for field in ('orelse', 'finalbody'):
            block = getattr(node, field, None)
            if isinstance(block, list):
                self.body(block, prefix, scope)


def definitions(path: str) -> dict:
    with open(path, 'rb') as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as e:
        return {'file': path, 'error': f'{type(e).__name__}: {e}', 'defs': []}
    collector = Collector()
    collector.add('module', '', 1, last_line(source), None, ast.get_docstring(tree, clean=True))
    collector.body(tree.body, '', 'module')
    return {'file': path, 'error': None, 'defs': collector.defs}


def main() -> None:
    paths = sys.argv[1:] or json.load(sys.stdin)
    out = sys.stdout
    for path in paths:
        out.write(json.dumps(definitions(path), ensure_ascii=False))
        out.write('\n')


if __name__ == '__main__':
    main()

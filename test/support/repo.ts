import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Write a throwaway repository and return its root. */
export function writeRepo(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-repo-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return root;
}

/** Change a file and make sure its mtime moves even on coarse clocks. */
export function editFile(root: string, rel: string, content: string): void {
  const abs = path.join(root, rel);
  const before = fs.existsSync(abs) ? fs.statSync(abs).mtimeMs : 0;
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  const after = fs.statSync(abs).mtimeMs;
  if (after <= before) {
    const bumped = new Date(before + 1000);
    fs.utimesSync(abs, bumped, bumped);
  }
}

/** A small mixed repository with every relation kind across files. */
export const SAMPLE_REPO: Record<string, string> = {
  'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["src/lib/*"] } } }',
  'src/lib/shapes.ts': `
/** A shape. */
export interface Shape {
  area(): number;
  name: string;
}

export abstract class Base implements Shape {
  name = 'base';
  abstract area(): number;
  describe(): string {
    return this.name + ':' + this.area();
  }
}

export class Square extends Base {
  constructor(private readonly side: number) {
    super();
  }
  area(): number {
    return this.side * this.side;
  }
}

export function makeSquare(side: number): Square {
  return new Square(side);
}
`,
  'src/lib/index.ts': `export * from './shapes';\n`,
  'src/main.ts': `
import { makeSquare, type Shape } from './lib';
import { Square } from '@lib/shapes';
import fs from 'node:fs';

export function total(shapes: Shape[]): number {
  let sum = 0;
  for (const s of shapes) sum += s.area();
  return sum;
}

export function run(): Square {
  const sq = makeSquare(2);
  fs.existsSync('x');
  total([sq]);
  return sq.describe() ? sq : new Square(1);
}
`,
  'py/app/__init__.py': 'from .models import User\n',
  'py/app/models.py': `
from dataclasses import dataclass


@dataclass
class Entity:
    id: int

    def key(self) -> str:
        return str(self.id)


@dataclass
class User(Entity):
    name: str = ""

    def label(self) -> str:
        return self.key() + self.name
`,
  'py/app/service.py': `
import os
from app import User
from .models import Entity


def load(user_id: int) -> User:
    return User(user_id, os.getcwd())


def keys(items: list[Entity]) -> list[str]:
    return [e.key() for e in items]
`,
  'py/pyproject.toml': '[project]\nname = "app"\n',
};

const AGENTLANE_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A repository governed like agentlane's own: its u_contract policy, every cell, STATE,
 * and one lane report for the cells' evidence; `extra` files on top.
 */
export function cellRepoFiles(extra: Record<string, string> = {}): Record<string, string> {
  const read = (rel: string) => fs.readFileSync(path.join(AGENTLANE_ROOT, rel), 'utf8');
  const files: Record<string, string> = {
    'cells/u_contract.yaml': read('cells/u_contract.yaml'),
    'STATE/current_state.md': read('STATE/current_state.md'),
    'reports/lane/2026-11-20.md': '# Lane 2026-11-20\n\n5 of 5 microtasks succeeded.\n',
  };
  for (const cell of fs.readdirSync(path.join(AGENTLANE_ROOT, 'cells'), { withFileTypes: true }).filter((e) => e.isDirectory())) {
    files[`cells/${cell.name}/cell.yaml`] = read(`cells/${cell.name}/cell.yaml`);
  }
  return { ...files, ...extra };
}

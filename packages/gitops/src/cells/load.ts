import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentlaneError } from '@agentlane/core';
import { parseYamlWith } from '../yaml-file.js';
import { cellSchema, type Cell } from './schema.js';

export const CELLS_DIR = 'cells';

/** One cell by key; its file's `key` must match its directory. */
export async function loadCell(repoRoot: string, key: string): Promise<Cell> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(key)) throw new AgentlaneError('CELL_NOT_FOUND', `Not a cell key: ${JSON.stringify(key)}`, { details: { key } });
  const file = path.join(repoRoot, CELLS_DIR, key, 'cell.yaml');
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new AgentlaneError('CELL_NOT_FOUND', `No cell ${JSON.stringify(key)} (looked for ${path.join(CELLS_DIR, key, 'cell.yaml')})`, { details: { key } });
  });
  const cell = parseYamlWith(cellSchema, text, path.join(CELLS_DIR, key, 'cell.yaml'), 'CELL_INVALID');
  if (cell.key !== key) throw new AgentlaneError('CELL_INVALID', `${file} says key ${cell.key}, but lives in ${key}/`, { details: { key } });
  return cell;
}

/** Every cell of a repository, by key. */
export async function loadCells(repoRoot: string): Promise<Map<string, Cell>> {
  const dir = path.join(repoRoot, CELLS_DIR);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const cells = new Map<string, Cell>();
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    cells.set(entry.name, await loadCell(repoRoot, entry.name));
  }
  return cells;
}

import { describe, expect, it } from 'vitest';
import { NODE_LABELS, RELATIONSHIP_TYPES, chunk, describeStatement, edgeStatements, nodeStatements, removeFilesStatement, type NodeRow } from '../src/index.js';

const node = (id: string, kind: NodeRow['kind']): NodeRow => ({
  id,
  kind,
  props: { name: id, qualified_name: id, language: 'ts', file_path: 'a.ts', signature: '', start_line: 1, end_line: 1, exported: true, doc: null, params_json: null, returns_json: null, fields_json: null },
});

describe('Neo4j Cypher building', () => {
  it('batches rows without losing or repeating any', () => {
    const items = Array.from({ length: 2_503 }, (_, i) => i);
    const batches = chunk(items, 1_000);
    expect(batches.map((b) => b.length)).toEqual([1_000, 1_000, 503]);
    expect(batches.flat()).toEqual(items);
    expect(() => chunk(items, 0)).toThrow('positive integer');
  });

  it('merges nodes per kind with a fixed label and the rows as a parameter', () => {
    const statements = nodeStatements([node('a', 'class'), node('b', 'function'), node('c', 'class')], 1);
    expect(statements.map((s) => s.text)).toEqual([
      'UNWIND $rows AS row MERGE (n:CBO {id: row.id}) SET n:Class, n += row.props, n.kind = $kind',
      'UNWIND $rows AS row MERGE (n:CBO {id: row.id}) SET n:Class, n += row.props, n.kind = $kind',
      'UNWIND $rows AS row MERGE (n:CBO {id: row.id}) SET n:Function, n += row.props, n.kind = $kind',
    ]);
    expect(statements[0]?.params).toMatchObject({ kind: 'class', rows: [{ id: 'a' }] });
  });

  it('merges typed relationships keyed by endpoints, file and line', () => {
    const [statement] = edgeStatements([{ kind: 'calls', src: 'a', dst: 'b', file_path: 'a.ts', line: 3, resolution: 'local' }], 100);
    expect(statement?.text).toBe(
      'UNWIND $rows AS row MATCH (a:CBO {id: row.src}) MATCH (b:CBO {id: row.dst}) MERGE (a)-[r:CALLS {file_path: row.file_path, line: row.line}]->(b) SET r.resolution = row.resolution',
    );
  });

  it('never puts data into labels or types: they come from closed maps', () => {
    for (const label of [...Object.values(NODE_LABELS), ...Object.values(RELATIONSHIP_TYPES)]) expect(label).toMatch(/^[A-Za-z_]+$/);
    const hostile = node('x', 'class');
    hostile.props.name = 'Evil`) DETACH DELETE n //';
    const [statement] = nodeStatements([hostile], 10);
    expect(statement?.text).not.toContain('Evil');
  });

  it('prints statements with their batch sizes for --dry-run', () => {
    expect(describeStatement(removeFilesStatement(['a.ts', 'b.ts']))).toBe(
      'UNWIND $paths AS path MATCH (n:CBO {file_path: path}) DETACH DELETE n; // $paths: 2 rows',
    );
  });
});

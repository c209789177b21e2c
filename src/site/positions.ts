// Maps every node of a YAML document to its line and column, by JSON pointer.

import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface NodePosition {
  line: number;
  column: number;
  /** Position of the mapping key, when the node is a mapping value. */
  keyLine?: number;
  keyColumn?: number;
}

export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function buildPositionIndex(doc: Document, lines: LineCounter): Map<string, NodePosition> {
  const index = new Map<string, NodePosition>();
  const at = (offset: number) => lines.linePos(offset);

  const visit = (node: unknown, pointer: string, key?: { line: number; col: number }) => {
    if (!node || typeof node !== 'object' || !('range' in node)) return;
    const range = (node as Node).range;
    const start = range ? at(range[0]) : key ? { line: key.line, col: key.col } : { line: 1, col: 1 };
    index.set(pointer, {
      line: start.line,
      column: start.col,
      ...(key ? { keyLine: key.line, keyColumn: key.col } : {}),
    });
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const keyRange = (pair.key as Node | null)?.range;
        const keyPos = keyRange ? at(keyRange[0]) : start;
        const child = `${pointer}/${escapePointer(k)}`;
        if (pair.value && typeof pair.value === 'object' && 'range' in pair.value) {
          visit(pair.value, child, keyPos);
        } else {
          index.set(child, { line: keyPos.line, column: keyPos.col, keyLine: keyPos.line, keyColumn: keyPos.col });
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${pointer}/${i}`));
    }
  };
  visit(doc.contents, '');
  return index;
}

/** Nearest known position for a pointer: the node itself, else its closest ancestor. */
export function lookupPosition(index: Map<string, NodePosition>, pointer: string): NodePosition {
  let p = pointer;
  for (;;) {
    const hit = index.get(p);
    if (hit) return hit;
    if (p === '') return { line: 1, column: 1 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

// A nesting limit for YAML/JSON config text, checked before the text is composed: the YAML composer
// recurses once per level, and thousands of levels overflow the stack or abort the whole process.
import { LineCounter, Parser } from 'yaml';

/** Far deeper than any config (protobuf's JSON reader stops at 100), far from the stack's limit. */
export const MAX_YAML_DEPTH = 256;

interface CstNode {
  type?: string;
  offset?: number;
  value?: unknown;
  items?: { key?: unknown; value?: unknown }[];
}

/**
 * Where the first collection nested deeper than `max` levels in `text` starts (1-based), or undefined.
 * Reads only the token tree (its parser and this walk keep their own stacks), so any depth is safe.
 */
export function excessiveNesting(text: string, max = MAX_YAML_DEPTH): { line: number; col: number } | undefined {
  const lines = new LineCounter();
  for (const token of new Parser(lines.addNewLine).parse(text)) {
    const stack: [unknown, number][] = [[token, 0]];
    while (stack.length > 0) {
      const [t, depth] = stack.pop()!;
      if (t === null || typeof t !== 'object') continue;
      const node = t as CstNode;
      if (Array.isArray(node.items)) {
        if (depth >= max) return lines.linePos(node.offset ?? 0);
        for (const it of node.items) stack.push([it.key, depth + 1], [it.value, depth + 1]);
      } else if (node.type === 'document') {
        stack.push([node.value, depth]);
      }
    }
  }
  return undefined;
}

/** The error message for text nested too deeply. */
export const TOO_DEEP_MESSAGE = `collections nest more than ${MAX_YAML_DEPTH} levels deep`;

// YAML/JSON config text parsed once into documents, with a nesting limit checked on the token tree
// before composing: the YAML composer recurses once per level, and thousands of levels overflow the stack.
import { Composer, LineCounter, Parser, YAMLParseError, type Document, type DocumentOptions, type ParseOptions,
  type SchemaOptions } from 'yaml';

/** Far deeper than any config (protobuf's JSON reader stops at 100), far from the stack's limit. */
export const MAX_YAML_DEPTH = 256;

/** The error message for text nested too deeply. */
export const TOO_DEEP_MESSAGE = `collections nest more than ${MAX_YAML_DEPTH} levels deep`;

/** A line and column, 1-based. */
export interface LinePos {
  line: number;
  col: number;
}

/** Options of the composed documents; positions go to `lineCounter`. */
export type YamlOptions = ParseOptions & DocumentOptions & SchemaOptions & { lineCounter: LineCounter };

interface CstNode {
  type?: string;
  offset?: number;
  value?: unknown;
  items?: { key?: unknown; value?: unknown }[];
}

type Token = ReturnType<Parser['parse']> extends Iterable<infer T> ? T : never;

/**
 * The token tree of `text`, or where its first collection nested deeper than `max` levels starts.
 * Walks the tokens with its own stack (as the parser keeps its own), so any depth is safe.
 */
function tokensWithin(text: string, lineCounter: LineCounter, max: number): Token[] | LinePos {
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  for (const token of tokens) {
    const stack: [unknown, number][] = [[token, 0]];
    while (stack.length > 0) {
      const [t, depth] = stack.pop()!;
      if (t === null || typeof t !== 'object') continue;
      const node = t as CstNode;
      if (Array.isArray(node.items)) {
        if (depth >= max) return lineCounter.linePos(node.offset ?? 0);
        for (const it of node.items) stack.push([it.key, depth + 1], [it.value, depth + 1]);
      } else if (node.type === 'document') {
        stack.push([node.value, depth]);
      }
    }
  }
  return tokens;
}

/** Every document of `text` (yaml's parseAllDocuments), or where it nests too deeply. */
export function parseAllDocumentsWithin(text: string, options: YamlOptions, max = MAX_YAML_DEPTH):
  { docs: Document.Parsed[] } | { tooDeep: LinePos } {
  const tokens = tokensWithin(text, options.lineCounter, max);
  if (!Array.isArray(tokens)) return { tooDeep: tokens };
  return { docs: Array.from(new Composer(options).compose(tokens)) };
}

/** The one document of `text` (yaml's parseDocument: a second document is an error of the first), or where it nests too deeply. */
export function parseDocumentWithin(text: string, options: YamlOptions, max = MAX_YAML_DEPTH):
  { doc: Document.Parsed } | { tooDeep: LinePos } {
  const tokens = tokensWithin(text, options.lineCounter, max);
  if (!Array.isArray(tokens)) return { tooDeep: tokens };
  let doc: Document.Parsed | undefined;
  for (const d of new Composer(options).compose(tokens, true, text.length)) {
    if (doc === undefined) {
      doc = d;
    } else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS',
        'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return { doc: doc! };
}

// Envoy's format dictionaries (json_format): a JSON object whose string values are format strings.
// Compiled once into literal JSON chunks and value slots; keys are sorted as in current Envoy.
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import type { StreamInfo } from '../http/stream-info.js';
import { AccessLogConfigError } from './errors.js';
import { parseFormat, type Formatter } from './formatter.js';
import type { FormatPart } from './format-part.js';

/** How the dictionary's values are rendered. */
export interface JsonFormatOptions {
  /**
   * Typed values (numbers stay numbers, unset is null): log_format.json_format and typed_json_format.
   * False for the deprecated FileAccessLog.json_format, where every value is a string and unset is "-".
   */
  typed: boolean;
  /** omit_empty_values: drop keys whose value is unset; unset parts of longer strings print nothing. */
  omitEmptyValues: boolean;
}

/** A value that contains operators: one part keeps its type, several are joined into a string. */
class Slot {
  constructor(readonly parts: FormatPart[]) {}
}

/** A compiled object: keys already JSON-encoded with their ':'. */
class ObjectNode {
  constructor(readonly keys: string[], readonly values: Node[]) {}
}

class ArrayNode {
  constructor(readonly items: Node[]) {}
}

/** A literal is pre-serialized JSON text. */
type Node = string | Slot | ObjectNode | ArrayNode;

function compileValue(v: JsonValue, path: string): Node {
  if (typeof v === 'string') {
    if (!v.includes('%')) return JSON.stringify(v);
    try {
      return new Slot(parseFormat(v));
    } catch (err) {
      throw AccessLogConfigError.at(err, path);
    }
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return new ArrayNode(v.map((item, i) => compileValue(item, `${path}[${i}]`)));
  if (typeof v === 'object') return compileObject(v, path);
  throw new AccessLogConfigError('Only string values, nested structs, list values and number values are supported ' +
    'in structured access log format.', path);
}

function compileObject(obj: JsonObject, path: string): ObjectNode {
  const names = Object.keys(obj).sort();
  const keys: string[] = [];
  const values: Node[] = [];
  for (const name of names) {
    keys.push(`${JSON.stringify(name)}:`);
    values.push(compileValue(obj[name] as JsonValue, `${path}.${name}`));
  }
  return new ObjectNode(keys, values);
}

/** Flattens a node into literal chunks and slots, merging adjacent literals (the omit-nothing case). */
function flatten(node: Node, out: (string | Slot)[]): void {
  const push = (s: string): void => {
    if (out.length > 0 && typeof out[out.length - 1] === 'string') out[out.length - 1] += s;
    else out.push(s);
  };
  if (typeof node === 'string') {
    push(node);
  } else if (node instanceof Slot) {
    out.push(node);
  } else if (node instanceof ObjectNode) {
    push('{');
    for (let i = 0; i < node.keys.length; i++) {
      push(i === 0 ? node.keys[i] : `,${node.keys[i]}`);
      flatten(node.values[i], out);
    }
    push('}');
  } else {
    push('[');
    node.items.forEach((item, i) => {
      if (i > 0) push(',');
      flatten(item, out);
    });
    push(']');
  }
}

/** Renders a dictionary as one compact JSON line ending in a newline. */
export class JsonFormatter implements Formatter {
  private readonly root: ObjectNode;
  /** Pre-flattened pieces; null when omit_empty_values needs the tree to drop keys. */
  private readonly pieces: (string | Slot)[] | null;
  private readonly typed: boolean;
  private readonly omitEmpty: boolean;
  /** What an unset part prints inside a longer string. */
  private readonly empty: string;

  constructor(dictionary: JsonObject, options: JsonFormatOptions, path = '') {
    this.typed = options.typed;
    this.omitEmpty = options.omitEmptyValues;
    this.empty = this.omitEmpty ? '' : '-';
    try {
      this.root = compileObject(dictionary, path);
    } catch (err) {
      throw AccessLogConfigError.at(err, path);
    }
    if (this.omitEmpty) {
      this.pieces = null;
    } else {
      this.pieces = [];
      flatten(this.root, this.pieces);
    }
  }

  format(info: StreamInfo): string {
    const pieces = this.pieces;
    if (pieces === null) return `${this.renderNode(this.root, info)}\n`;
    let out = '';
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      out += typeof p === 'string' ? p : this.renderSlot(p, info);
    }
    return `${out}\n`;
  }

  /** The slot's JSON text, or null when omit_empty_values should drop it. */
  private slotJson(slot: Slot, info: StreamInfo): string | null {
    const parts = slot.parts;
    if (parts.length === 1) {
      if (this.typed) {
        const v = parts[0].value(info);
        if (v === null) return this.omitEmpty ? null : 'null';
        return typeof v === 'number' ? `${v}` : JSON.stringify(v);
      }
      const t = parts[0].text(info);
      if (t === undefined) return this.omitEmpty ? null : '"-"';
      return JSON.stringify(t);
    }
    let s = '';
    for (let i = 0; i < parts.length; i++) {
      const t = parts[i].text(info);
      s += t === undefined ? this.empty : t;
    }
    return JSON.stringify(s);
  }

  private renderSlot(slot: Slot, info: StreamInfo): string {
    return this.slotJson(slot, info) ?? 'null';
  }

  private renderNode(node: Node, info: StreamInfo): string {
    if (typeof node === 'string') return node;
    if (node instanceof Slot) return this.renderSlot(node, info);
    if (node instanceof ArrayNode) {
      let out = '[';
      for (let i = 0; i < node.items.length; i++) {
        if (i > 0) out += ',';
        out += this.renderNode(node.items[i], info);
      }
      return `${out}]`;
    }
    let out = '{';
    let first = true;
    for (let i = 0; i < node.keys.length; i++) {
      const v = node.values[i];
      let json: string | null;
      if (v instanceof Slot) {
        json = this.slotJson(v, info);
        if (json === null) continue;
      } else {
        json = this.renderNode(v, info);
        // Envoy also drops keys whose configured value is a literal null.
        if (json === 'null') continue;
      }
      out += first ? node.keys[i] : `,${node.keys[i]}`;
      out += json;
      first = false;
    }
    return `${out}}`;
  }
}

// Node's own llhttp binding (the internal HTTPParser behind node:http), found once at start-up,
// plus a small free list of parser instances so a connection does not construct one.
import { createRequire } from 'node:module';

/** What a parser reports to; set as `parser.owner` so the callbacks below need no closures. */
export interface ParserOwner {
  /** A message's first byte (request parsers only). */
  onParserMessageBegin?(): void;
  onParserHeaders(headers: string[], url: string): void;
  onParserHeadersComplete(major: number, minor: number, headers: string[] | undefined, method: number | undefined,
    url: string | undefined, status: number | undefined, upgrade: boolean, keepAlive: boolean): number;
  onParserBody(chunk: Buffer): void;
  onParserMessageComplete(): void;
  /** After each read in consume mode: bytes parsed, or the parse error. */
  onParserExecute(ret: number | Error): void;
  /** One of the owner's handlers threw: the connection must be torn down, the process must not die. */
  onCallbackError(err: unknown): void;
}

/** The parts of node's internal HTTPParser we use (src/node_http_parser.cc). */
export interface NodeHttpParser {
  [slot: number]: unknown;
  owner: ParserOwner | null;
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  /** Bytes parsed, or an Error with `code` (HPE_*), `reason` and `bytesParsed`. */
  execute(data: Buffer): number | ParseError;
  /** Signals EOF (close-delimited bodies); an Error if the message was cut short. */
  finish(): ParseError | undefined;
  consume(handle: unknown): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  remove(): void;
  free(): void;
  close(): void;
}

/** A parse error as the binding returns it. */
export interface ParseError extends Error {
  code: string;
  reason?: string;
  bytesParsed?: number;
}

interface ParserClass {
  new (): NodeHttpParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kLenientNone: number;
}

interface Binding {
  Parser: ParserClass;
  methods: readonly string[];
}

/** `_http_common` is a plain (non-deprecated) internal module; process.binding would warn. */
function loadBinding(): Binding | null {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { HTTPParser?: ParserClass; methods?: string[] };
    const P = common.HTTPParser;
    if (typeof P !== 'function' || !Array.isArray(common.methods)) return null;
    if (typeof P.kOnHeadersComplete !== 'number' || typeof P.prototype.consume !== 'function') return null;
    return { Parser: P, methods: common.methods };
  } catch {
    return null;
  }
}

const binding = loadBinding();

/** Whether node's llhttp binding is usable on this node version. */
export const parserAvailable = binding !== null;

/** Method names by the parser's method index. */
export const METHODS: readonly string[] = binding?.methods ?? [];

export const REQUEST = binding?.Parser.REQUEST ?? 1;
export const RESPONSE = binding?.Parser.RESPONSE ?? 2;

function onMessageBegin(this: NodeHttpParser): void {
  const o = this.owner;
  if (o === null) return;
  try {
    o.onParserMessageBegin?.();
  } catch (err) {
    o.onCallbackError(err);
  }
}

function onHeaders(this: NodeHttpParser, headers: string[], url: string): void {
  const o = this.owner;
  if (o === null) return;
  try {
    o.onParserHeaders(headers, url);
  } catch (err) {
    o.onCallbackError(err);
  }
}

function onHeadersComplete(this: NodeHttpParser, major: number, minor: number, headers: string[] | undefined,
  method: number | undefined, url: string | undefined, status: number | undefined, _statusMessage: unknown,
  upgrade: boolean, keepAlive: boolean): number {
  const o = this.owner;
  if (o === null) return 0;
  try {
    return o.onParserHeadersComplete(major, minor, headers, method, url, status, upgrade, keepAlive);
  } catch (err) {
    o.onCallbackError(err);
    return 0;
  }
}

function onBody(this: NodeHttpParser, chunk: Buffer): void {
  const o = this.owner;
  if (o === null) return;
  try {
    o.onParserBody(chunk);
  } catch (err) {
    o.onCallbackError(err);
  }
}

function onMessageComplete(this: NodeHttpParser): void {
  const o = this.owner;
  if (o === null) return;
  try {
    o.onParserMessageComplete();
  } catch (err) {
    o.onCallbackError(err);
  }
}

function onExecute(this: NodeHttpParser, ret: number | Error): void {
  const o = this.owner;
  if (o === null) return;
  try {
    o.onParserExecute(ret);
  } catch (err) {
    o.onCallbackError(err);
  }
}

const free: NodeHttpParser[] = [];
const MAX_FREE = 256;

/** A parser of `type` (REQUEST/RESPONSE) reporting to `owner`; throws if the binding is missing. */
export function acquireParser(type: number, maxHeaderSize: number, owner: ParserOwner): NodeHttpParser {
  if (binding === null) {
    throw new Error(`the HTTP/1 codec needs node's internal HTTP parser, which node ${process.version} does not expose`);
  }
  const P = binding.Parser;
  let p = free.pop();
  if (p === undefined) {
    p = new P();
    p[P.kOnHeaders] = onHeaders;
    p[P.kOnHeadersComplete] = onHeadersComplete;
    p[P.kOnBody] = onBody;
    p[P.kOnMessageComplete] = onMessageComplete;
    p[P.kOnExecute] = onExecute;
  }
  // Only request parsers report message starts (the server's request timers begin there).
  p[P.kOnMessageBegin] = type === P.REQUEST ? onMessageBegin : undefined;
  p.initialize(type, {}, maxHeaderSize, P.kLenientNone);
  p.owner = owner;
  return p;
}

/** Returns a parser to the free list; call it outside the parser's own callbacks (e.g. from setImmediate). */
export function releaseParser(p: NodeHttpParser): void {
  p.owner = null;
  p.remove();
  if (free.length < MAX_FREE) {
    p.free();
    free.push(p);
  } else {
    p.close();
  }
}

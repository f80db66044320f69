// A strict reader of the HTTP/1.1 responses a fuzzed connection got back: status lines, header
// lines and body framing (content-length, chunked, close-delimited) must all be well formed.

/** One response off the wire. */
export interface WireResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ','. */
  headers: Map<string, string>;
  body: Buffer;
}

/** The responses, and whether the data ended inside one (a response cut off by the connection's end). */
export interface ReadResult {
  responses: WireResponse[];
  truncated: boolean;
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,16})(?:;[^\r\n]*)?$/;

const CRLF = Buffer.from('\r\n');

/** Throws (naming the offset) at the first malformed byte; `headOnly` stops after the first head (HEAD requests have no body). */
export function readResponses(data: Buffer, headOnly = false): ReadResult {
  const responses: WireResponse[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed response at byte ${at}: ${why}: ${JSON.stringify(data.subarray(at, at + 80).toString('latin1'))}`);
  };
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) {
      // Only a prefix of a head: its first line must still look like a status line.
      if (!'HTTP/1.'.startsWith(data.subarray(at, at + 7).toString('latin1'))) fail('not a status line');
      return { responses, truncated: true };
    }
    const lines = data.subarray(at, end).toString('latin1').split('\r\n');
    const m = STATUS_LINE.exec(lines[0]!);
    if (m === null) fail('bad status line');
    const status = Number(m![1]);
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const h = HEADER_LINE.exec(l);
      if (h === null) fail(`bad header line ${JSON.stringify(l.slice(0, 80))}`);
      const name = h![1]!.toLowerCase();
      headers.set(name, headers.has(name) ? `${headers.get(name)},${h![2]}` : h![2]!);
    }
    at = end + 4;
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (te !== undefined && cl !== undefined) fail('both transfer-encoding and content-length');
    const noBody = (status >= 100 && status < 200) || status === 204 || status === 304 || headOnly;
    if (noBody || status === 101) {
      responses.push({ status, headers, body: Buffer.alloc(0) });
      // After 101 the bytes belong to the upgraded protocol; a HEAD's answer is read no further.
      if (status === 101 || (headOnly && status >= 200)) return { responses, truncated: false };
      continue;
    }
    if (te !== undefined) {
      if (te.toLowerCase() !== 'chunked') fail(`transfer-encoding ${te}`);
      const parts: Buffer[] = [];
      for (;;) {
        const eol = data.indexOf(CRLF, at);
        if (eol < 0) return { responses, truncated: true };
        const size = CHUNK_SIZE.exec(data.subarray(at, eol).toString('latin1'));
        if (size === null) fail('bad chunk size line');
        const n = parseInt(size![1]!, 16);
        at = eol + 2;
        if (n === 0) {
          // Trailers, then the empty line.
          for (;;) {
            const tEol = data.indexOf(CRLF, at);
            if (tEol < 0) return { responses, truncated: true };
            const line = data.subarray(at, tEol).toString('latin1');
            at = tEol + 2;
            if (line === '') break;
            if (!HEADER_LINE.test(line)) fail('bad trailer line');
          }
          break;
        }
        if (data.length < at + n + 2) return { responses, truncated: true };
        parts.push(data.subarray(at, at + n));
        at += n;
        if (!data.subarray(at, at + 2).equals(CRLF)) fail('chunk not followed by CRLF');
        at += 2;
      }
      responses.push({ status, headers, body: Buffer.concat(parts) });
    } else if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) fail(`content-length ${cl}`);
      const n = Number(cl);
      if (data.length < at + n) return { responses, truncated: true };
      responses.push({ status, headers, body: data.subarray(at, at + n) });
      at += n;
    } else {
      // Close-delimited: the rest of the connection.
      responses.push({ status, headers, body: data.subarray(at) });
      at = data.length;
    }
  }
  return { responses, truncated: false };
}

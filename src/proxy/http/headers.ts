// Header maps and request/response heads shared by codecs, the connection manager and filters.
// Names are stored lower-cased; duplicates stay separate entries, in arrival order.

/** An ordered multimap of lower-case header names to values (pseudo-headers are not stored here). */
export class HeaderMap {
  /** Lower-case names; `values[i]` belongs to `names[i]`. */
  readonly names: string[] = [];
  readonly values: string[] = [];

  /** Builds a map from a raw [Name, value, Name, value ...] list (as node's parsers give). */
  static fromRaw(raw: readonly string[]): HeaderMap {
    const m = new HeaderMap();
    for (let i = 0; i + 1 < raw.length; i += 2) {
      m.names.push(raw[i].toLowerCase());
      m.values.push(raw[i + 1]);
    }
    return m;
  }

  get size(): number {
    return this.names.length;
  }

  /** The first value of `name` (lower-case), or undefined. */
  get(name: string): string | undefined {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return this.values[i];
    return undefined;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out.push(this.values[i]);
    return out;
  }

  has(name: string): boolean {
    return this.names.indexOf(name) !== -1;
  }

  /** Appends an entry (keeps existing ones). */
  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** Replaces every entry of `name` with one entry. */
  set(name: string, value: string): void {
    const i = this.names.indexOf(name);
    if (i === -1) {
      this.add(name, value);
      return;
    }
    this.values[i] = value;
    for (let j = this.names.length - 1; j > i; j--) {
      if (this.names[j] === name) {
        this.names.splice(j, 1);
        this.values.splice(j, 1);
      }
    }
  }

  /** Sets `name` only when absent. */
  setIfAbsent(name: string, value: string): void {
    if (this.names.indexOf(name) === -1) this.add(name, value);
  }

  /** Removes every entry of `name`; returns whether one existed. */
  remove(name: string): boolean {
    let found = false;
    for (let j = this.names.length - 1; j >= 0; j--) {
      if (this.names[j] === name) {
        this.names.splice(j, 1);
        this.values.splice(j, 1);
        found = true;
      }
    }
    return found;
  }

  /** Removes every entry whose name starts with `prefix`. */
  removePrefix(prefix: string): void {
    for (let j = this.names.length - 1; j >= 0; j--) {
      if (this.names[j].startsWith(prefix)) {
        this.names.splice(j, 1);
        this.values.splice(j, 1);
      }
    }
  }

  /** The values of `name` joined as one header value (", " as HTTP folds them). */
  getJoined(name: string): string | undefined {
    let out: string | undefined;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === name) out = out === undefined ? this.values[i] : `${out},${this.values[i]}`;
    }
    return out;
  }

  clone(): HeaderMap {
    const m = new HeaderMap();
    m.names.push(...this.names);
    m.values.push(...this.values);
    return m;
  }

  /** A plain object view (duplicates joined with ","), for logs, admin and tests. */
  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (let i = 0; i < this.names.length; i++) {
      const n = this.names[i];
      o[n] = n in o ? `${o[n]},${this.values[i]}` : this.values[i];
    }
    return o;
  }
}

/** The HTTP version of a stream, as Envoy's %PROTOCOL% prints it. */
export type HttpProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';

/** A request's head: Envoy's pseudo-headers as fields, the rest in `headers` (no `host` entry). */
export interface RequestHead {
  method: string;
  /** The request target as sent (path plus query), `:path`. */
  path: string;
  /** `:authority` (the Host header in HTTP/1). */
  authority: string;
  /** `:scheme`: 'http' or 'https'. */
  scheme: string;
  protocol: HttpProtocol;
  headers: HeaderMap;
}

/** A response's head: `:status` plus headers. */
export interface ResponseHead {
  status: number;
  headers: HeaderMap;
}

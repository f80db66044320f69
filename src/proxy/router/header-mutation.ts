// *_headers_to_add / *_headers_to_remove at one level (route config, virtual host, route, weighted
// cluster), compiled once and applied as Envoy's HeaderParser::evaluateHeaders does.
import type { HeaderValueOption } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { HeaderValueOption_HeaderAppendAction as AppendAction } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { fail } from './errors.js';
import { compileHeaderValue, renderValue, type CompiledValue, type HeaderFormatterContext } from './header-format.js';

// What an entry does with its rendered value (Envoy's HeaderAppendAction).
const APPEND = 0;
const ADD_IF_ABSENT = 1;
const OVERWRITE_OR_ADD = 2;
const OVERWRITE_IF_EXISTS = 3;

/** One compiled HeaderValueOption. */
interface HeaderAdd {
  readonly name: string;
  readonly action: number;
  readonly keepEmpty: boolean;
  readonly value: CompiledValue;
}

// Scratch space for one evaluation (synchronous, so shared): rendered values and their fate.
const SKIP = 0;
const DO_SET = 1;
const DO_ADD = 2;
let scratchValues: string[] = [];
let scratchOps: number[] = [];

/** Envoy's isModifiableHeader / isRemovableHeader: no pseudo-headers, no Host. */
function modifiable(name: string): boolean {
  return name !== '' && !name.startsWith(':') && name !== 'host';
}

function validValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13) return false;
  }
  return true;
}

/** The header mutations of one config level. */
export class HeaderMutation {
  constructor(readonly removes: readonly string[], private readonly adds: readonly HeaderAdd[]) {}

  /** Names this level adds or sets, for tools (config dump, tests). */
  get addedNames(): string[] {
    return this.adds.map((a) => a.name);
  }

  /**
   * Removes first, then renders every value against the headers as they are, then overwrites,
   * then appends (so values see the original headers, as in Envoy).
   */
  apply(headers: HeaderMap, req: RequestHead | undefined, resp: HeaderMap | undefined, info: HeaderFormatterContext): void {
    const removes = this.removes;
    for (let i = 0; i < removes.length; i++) headers.remove(removes[i]);
    const adds = this.adds;
    const n = adds.length;
    if (n === 0) return;
    if (scratchValues.length < n) {
      scratchValues = new Array<string>(n).fill('');
      scratchOps = new Array<number>(n).fill(SKIP);
    }
    const values = scratchValues;
    const ops = scratchOps;
    for (let i = 0; i < n; i++) {
      const a = adds[i];
      const v = renderValue(a.value, req, resp, info);
      values[i] = v;
      let op = SKIP;
      if (v !== '' || a.keepEmpty) {
        switch (a.action) {
          case APPEND: op = DO_ADD; break;
          case ADD_IF_ABSENT: op = headers.has(a.name) ? SKIP : DO_ADD; break;
          case OVERWRITE_IF_EXISTS: op = headers.has(a.name) ? DO_SET : SKIP; break;
          default: op = DO_SET; break;
        }
      }
      ops[i] = op;
    }
    for (let i = 0; i < n; i++) if (ops[i] === DO_SET) headers.set(adds[i].name, values[i]);
    for (let i = 0; i < n; i++) if (ops[i] === DO_ADD) headers.add(adds[i].name, values[i]);
    for (let i = 0; i < n; i++) values[i] = '';
  }
}

/**
 * Compiles one level's adds and removes; null when both are empty. `addPath`/`removePath` are the
 * fields' paths (e.g. `.virtual_hosts[0].request_headers_to_add`).
 */
export function compileHeaderMutation(adds: readonly HeaderValueOption[], removes: readonly string[],
  addPath: string, removePath: string): HeaderMutation | null {
  if (adds.length === 0 && removes.length === 0) return null;
  const compiledRemoves = removes.map((r, i) => {
    const name = r.toLowerCase();
    if (!modifiable(name)) fail(`${removePath}[${i}]`, ':-prefixed or host headers may not be removed');
    return name;
  });
  const compiledAdds = adds.map((o, i): HeaderAdd => {
    const path = `${addPath}[${i}]`;
    const h = o.header;
    if (h === undefined) fail(`${path}.header`, 'header is required');
    const name = h.key.toLowerCase();
    if (!modifiable(name)) fail(`${path}.header.key`, ':-prefixed or host headers may not be modified');
    let action: number;
    if (o.append !== undefined) {
      if (o.appendAction !== AppendAction.APPEND_IF_EXISTS_OR_ADD) {
        fail(path, "Both append and append_action are set and it's not allowed");
      }
      action = o.append ? APPEND : OVERWRITE_OR_ADD;
    } else {
      switch (o.appendAction) {
        case AppendAction.ADD_IF_ABSENT: action = ADD_IF_ABSENT; break;
        case AppendAction.OVERWRITE_IF_EXISTS_OR_ADD: action = OVERWRITE_OR_ADD; break;
        case AppendAction.OVERWRITE_IF_EXISTS: action = OVERWRITE_IF_EXISTS; break;
        default: action = APPEND; break;
      }
    }
    const raw = h.value === '' && h.rawValue.length > 0 ? Buffer.from(h.rawValue).toString('latin1') : h.value;
    if (!validValue(raw)) fail(`${path}.header.value`, 'header values may not contain NUL, CR or LF');
    let value: CompiledValue;
    try {
      value = compileHeaderValue(raw);
    } catch (e) {
      fail(`${path}.header.value`, (e as Error).message);
    }
    return { name, action, keepEmpty: o.keepEmptyValue, value };
  });
  return new HeaderMutation(compiledRemoves, compiledAdds);
}

/** Applies mutations in order (later ones win where they overlap). */
export function applyMutations(list: readonly HeaderMutation[], headers: HeaderMap, req: RequestHead | undefined,
  resp: HeaderMap | undefined, info: HeaderFormatterContext): void {
  for (let i = 0; i < list.length; i++) list[i].apply(headers, req, resp, info);
}

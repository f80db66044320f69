// The admin handler descriptions and Envoy's help listing (`admin commands are:` ...),
// printed for `/help`, `/` and after `invalid path. ` on a 404.

/** One query parameter of a handler, as Envoy's ParamDescriptor. */
export interface ParamDescriptor {
  id: string;
  help: string;
  /** Choices of an enum parameter (printed as `; One of (a, b)`). */
  choices?: readonly string[];
}

/** A handler's entry in the help listing. */
export interface HandlerInfo {
  prefix: string;
  help: string;
  /** POST-only (mutates server state). */
  mutates: boolean;
  params?: readonly ParamDescriptor[];
}

/** Envoy's help listing, handlers sorted by prefix. */
export function renderHelp(handlers: readonly HandlerInfo[]): string {
  const sorted = [...handlers].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  let s = 'admin commands are:\n';
  for (const h of sorted) {
    s += `  ${h.prefix}${h.mutates ? ' (POST)' : ''}: ${h.help}\n`;
    for (const p of h.params ?? []) {
      s += `      ${p.id}: ${p.help}`;
      if (p.choices) s += `; One of (${p.choices.join(', ')})`;
      s += '\n';
    }
  }
  return s;
}

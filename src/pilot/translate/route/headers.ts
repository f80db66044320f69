// VirtualService header operations -> Envoy header mutations: `set` overwrites, `add` appends,
// `remove` removes (istiod's translateHeadersOperations).
import { create } from '@bufbuild/protobuf';
import {
  HeaderValueOption_HeaderAppendAction, HeaderValueOptionSchema, type HeaderValueOption,
} from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { HeaderOperations } from './inputs.js';

export interface HeaderMutation {
  add: HeaderValueOption[];
  remove: string[];
}

/** The Envoy form of one direction's operations. */
export function headerMutation(ops: HeaderOperations | undefined): HeaderMutation {
  const add: HeaderValueOption[] = [];
  const option = (key: string, value: string, action: HeaderValueOption_HeaderAppendAction): HeaderValueOption =>
    create(HeaderValueOptionSchema, { header: { key: key.toLowerCase(), value }, appendAction: action });
  for (const [k, v] of Object.entries(ops?.set ?? {})) add.push(option(k, v, HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
  for (const [k, v] of Object.entries(ops?.add ?? {})) add.push(option(k, v, HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
  return { add, remove: (ops?.remove ?? []).map((h) => h.toLowerCase()) };
}

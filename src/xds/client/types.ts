// What the ADS client hands to the code that applies resources, and what it gets back:
// decoded resources per type, and an error message (NACK) or null (ACK).
import type { Message } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';

/** One resource of a response, unpacked. */
export interface DecodedResource {
  readonly name: string;
  readonly message: Message;
  readonly any: Any;
}

/** What one delta response named: its resources and its removals (a handler may need to know what was answered). */
export interface DeltaNames { readonly mentioned: ReadonlySet<string> }

/** Applies the resources of one type. */
export interface ResourceHandler {
  /**
   * State of the world: every resource of the type the server has for us (LDS/CDS), or the named
   * ones (RDS/EDS). Returns null to ACK, or the NACK's error_detail message.
   */
  apply(resources: readonly DecodedResource[], version: string, delta?: DeltaNames): Promise<string | null> | string | null;
}

/** Where the client logs (level as Envoy's loggers). */
export type ClientLog = (level: 'debug' | 'info' | 'warning', message: string) => void;

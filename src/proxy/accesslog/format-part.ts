// The unit a compiled format string is made of: a part renders one value from a StreamInfo.
// Text output uses text(); typed JSON output uses value(), where numbers stay numbers.
import type { StreamInfo } from '../http/stream-info.js';

/** A value as typed JSON output sees it; null means unset. */
export type PartValue = string | number | null;

/** One compiled piece of a format string. */
export abstract class FormatPart {
  /** The text, or undefined when the value is unset (the formatter prints `-`). */
  abstract text(info: StreamInfo): string | undefined;

  /** The typed value for JSON output (numbers stay numbers); null when unset. */
  value(info: StreamInfo): PartValue {
    const t = this.text(info);
    return t === undefined ? null : t;
  }
}

/** Plain text between operators. */
export class LiteralPart extends FormatPart {
  constructor(readonly literal: string) {
    super();
  }

  text(): string {
    return this.literal;
  }
}

// Value parsers for commander options the subcommands share: a port number and a positive
// integer, each failing with commander's InvalidArgumentError (exit 1 with the reason).
import { InvalidArgumentError } from 'commander';

/** A TCP port 0-65535. */
export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return Number(value);
}

/** An integer above 0. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

/** A small flag parser: `--name value`, `--name=value`, boolean `--flag`, positional arguments. */

/** A command line that could not be read; the message says which flag. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string>>;
  readonly flags: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/** `valued` flags take a value; `booleans` do not; anything else is an error. */
export const parseArgs = (
  argv: readonly string[],
  spec: { readonly valued: readonly string[]; readonly booleans: readonly string[] },
): ParsedArgs => {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (!argument.startsWith("--")) {
      positionals.push(argument);
      continue;
    }
    const [name = "", inline] = argument.slice(2).split(/=(.*)/s, 2);
    if (spec.booleans.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value.`);
      flags.add(name);
    } else if (spec.valued.includes(name)) {
      const value = inline ?? argv[index + 1];
      if (value === undefined || (inline === undefined && value.startsWith("--")))
        throw new UsageError(`--${name} needs a value.`);
      if (inline === undefined) index += 1;
      values[name] = value;
    } else {
      throw new UsageError(`Unknown option --${name}.`);
    }
  }
  return { values, flags, positionals };
};

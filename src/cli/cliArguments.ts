// Command-line flags: `--name value`, `--name=value` and boolean `--name`. Unknown flags, missing
// values and files that are not there are usage errors (exit code 2), reported with what was expected.
import { stat } from "node:fs/promises";

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface FlagSpec {
    readonly [name: string]: "string" | "boolean";
}

export type ParsedFlags<S extends FlagSpec> = {
    [K in keyof S]?: S[K] extends "boolean" ? boolean : string;
};

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): ParsedFlags<S> {
    const flags: Record<string, string | boolean> = {};
    for (let i = 0; i < argv.length; i++) {
        const argument = argv[i]!;
        if (!argument.startsWith("--")) throw new UsageError(`Unexpected argument "${argument}".`);
        const equals = argument.indexOf("=");
        const name = argument.slice(2, equals >= 0 ? equals : undefined);
        const kind = spec[name];
        if (kind === undefined) throw new UsageError(`Unknown option --${name}.`);
        if (kind === "boolean") {
            if (equals >= 0) throw new UsageError(`--${name} takes no value.`);
            flags[name] = true;
            continue;
        }
        const value = equals >= 0 ? argument.slice(equals + 1) : argv[++i];
        if (value === undefined || (equals < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value.`);
        flags[name] = value;
    }
    return flags as ParsedFlags<S>;
}

/** A whole number from a flag, within bounds. */
export function integerFlag(name: string, value: string | undefined, minimum: number, fallback?: number): number {
    if (value === undefined) {
        if (fallback === undefined) throw new UsageError(`--${name} is required.`);
        return fallback;
    }
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${name} must be a whole number, got "${value}".`);
    const number = Number(value);
    if (number < minimum) throw new UsageError(`--${name} must be at least ${minimum}, got ${number}.`);
    return number;
}

/** A file named on the command line: a usage error when it does not exist or is not a file. */
export async function requireFile(filePath: string, what: string): Promise<void> {
    let info;
    try {
        info = await stat(filePath);
    } catch {
        throw new UsageError(`The ${what} ${filePath} does not exist.`);
    }
    if (!info.isFile()) throw new UsageError(`The ${what} ${filePath} is not a file.`);
}

// Command-line flags: `--name value`, `--name=value` and boolean `--name`. Unknown flags, missing
// values and files that are not there are usage errors (exit code 2), reported with what was expected.
import { constants as fsConstants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";

/**
 * The largest Python file the CLI reads. VS Code stops syncing files of more than 50 MB to
 * extensions, so the editor would never complete in one either; and a string of several hundred MB
 * exceeds what V8 can hold.
 */
export const MAX_SOURCE_FILE_BYTES = 50 * 1024 * 1024;

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
export function integerFlag(name: string, value: string | undefined, minimum: number, fallback?: number, maximum = Number.MAX_SAFE_INTEGER): number {
    if (value === undefined) {
        if (fallback === undefined) throw new UsageError(`--${name} is required.`);
        return fallback;
    }
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${name} must be a whole number, got "${value}".`);
    const number = Number(value);
    if (number < minimum) throw new UsageError(`--${name} must be at least ${minimum}, got ${number}.`);
    if (number > maximum) throw new UsageError(`--${name} must be at most ${maximum}, got ${value.trim()}.`);
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
    try {
        await access(filePath, fsConstants.R_OK);
    } catch {
        throw new UsageError(`The ${what} ${filePath} cannot be read (permission denied).`);
    }
}

/** A source file's text: usage errors when it is missing, unreadable or too large to complete in. */
export async function readSourceFile(filePath: string): Promise<string> {
    await requireFile(filePath, "file");
    const { size } = await stat(filePath);
    if (size > MAX_SOURCE_FILE_BYTES) {
        throw new UsageError(`The file ${filePath} is ${Math.round(size / 1024 / 1024)} MB; phi2-complete completes files of at most ${MAX_SOURCE_FILE_BYTES / 1024 / 1024} MB.`);
    }
    try {
        return await readFile(filePath, "utf8");
    } catch (error) {
        throw new UsageError(`The file ${filePath} cannot be read (${(error as NodeJS.ErrnoException).code ?? "read error"}).`);
    }
}

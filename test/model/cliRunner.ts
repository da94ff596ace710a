// Runs the built CLI (dist/cli.mjs) to completion for the CLI tests.
import { execFile } from "node:child_process";
import * as path from "node:path";

export const CLI = path.resolve(import.meta.dirname, "..", "..", "dist", "cli.mjs");

export interface CliRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** `as`: run as another user (root only), e.g. to see a permission error that root never gets. */
export function runCli(args: readonly string[], options: { cli?: string; as?: { uid: number; gid: number }; env?: Readonly<Record<string, string>> } = {}): Promise<CliRun> {
    return new Promise((resolve) => {
        const env = options.env ? { ...process.env, ...options.env } : undefined;
        execFile(process.execPath, [options.cli ?? CLI, ...args], { encoding: "utf8", timeout: 60_000, ...options.as, ...(env ? { env } : {}) }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

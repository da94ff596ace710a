// Runs the built CLI (dist/cli.mjs) to completion for the CLI tests.
import { execFile } from "node:child_process";
import * as path from "node:path";

export const CLI = path.resolve(import.meta.dirname, "..", "..", "dist", "cli.mjs");

export interface CliRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export function runCli(args: readonly string[]): Promise<CliRun> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

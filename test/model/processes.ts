// Whether a process still runs, for tests that check no model host is left behind.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * True when the process no longer runs. A zombie counts as gone: it has ended, and a re-parented
 * zombie waits for init to reap it, which here takes up to seconds.
 */
export function isProcessGone(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return true;
    }
    if (process.platform !== "linux") return false;
    try {
        // "<pid> (<command>) <state> ...": the command may contain spaces and parentheses.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
    } catch {
        return true;
    }
}

/** Resolves with the milliseconds until `pid` is gone; rejects when it still runs after `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<number> {
    const start = performance.now();
    while (!isProcessGone(pid)) {
        if (performance.now() - start > timeoutMs) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // It ended just now.
            }
            throw new Error(`process ${pid} still ran ${timeoutMs} ms later (killed it now)`);
        }
        await new Promise((wake) => setTimeout(wake, 5));
    }
    return performance.now() - start;
}

export interface RunningCli {
    readonly cli: ChildProcess;
    readonly hostPid: number;
    /** Everything the CLI wrote to stderr so far. */
    stderr(): string;
}

/**
 * Starts `node dist/cli.mjs <args> --verbose` and resolves once its host has loaded the model
 * (--verbose logs the host's pid and the load).
 */
export async function startCliUntilLoaded(cliScript: string, args: readonly string[], env?: Readonly<Record<string, string>>): Promise<RunningCli> {
    const cli = spawn(process.execPath, [cliScript, ...args, "--verbose"], { stdio: ["ignore", "pipe", "pipe"], ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stderr = "";
    cli.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    while (!/Loaded /.test(stderr)) {
        if (cli.exitCode !== null) throw new Error(`the CLI exited early: ${stderr}`);
        await new Promise((wake) => setTimeout(wake, 10));
    }
    const hostPid = Number(/Model host started \(pid (\d+)\)/.exec(stderr)?.[1]);
    if (!(hostPid > 0)) throw new Error(`no host pid in the CLI's log: ${stderr}`);
    return { cli, hostPid, stderr: () => stderr };
}

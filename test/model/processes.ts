// Whether a process still runs, for tests that check no model host is left behind.
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

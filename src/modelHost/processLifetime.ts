// The host process never outlives its parent. Three ways out, all immediate:
//  - the IPC channel closes (the parent exited or disposed the client);
//  - SIGTERM / SIGINT / SIGHUP (a user, a service manager, the CLI forwarding Ctrl-C);
//  - a watchdog on its own thread sees the parent gone, even while the main thread is stuck in a
//    native call and cannot process the IPC disconnect.
// Exiting is a SIGKILL of ourselves, not process.exit(): a normal exit joins libuv's worker threads,
// and a llama.cpp decode that never returns (a corrupt model) would keep the process alive, at full
// CPU, forever. The host holds nothing worth flushing: the model is only memory.
import { Worker } from "node:worker_threads";

/** How often the watchdog looks for the parent: the host is gone well within a second. */
export const PARENT_POLL_MS = 100;

const EXIT_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

/** Ends this process now, without exit hooks that could wait for a busy native thread. */
export function exitImmediately(): never {
    process.kill(process.pid, "SIGKILL");
    // Not reached on any platform Node supports; keeps the type checker honest.
    process.exit(1);
}

/** Ends the process on the signals that ask a process to stop. */
export function exitOnTerminationSignals(): void {
    for (const signal of EXIT_SIGNALS) process.on(signal, () => exitImmediately());
}

/**
 * The watchdog's code, run on its own thread (a string, so the host stays one bundled file). The
 * parent is gone when we were re-parented (POSIX: our parent pid changes) or when the parent pid no
 * longer exists (Windows keeps the original parent pid).
 */
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { parentPid, pollMs } = workerData;
function parentGone() {
    if (process.ppid !== parentPid) return true;
    try { process.kill(parentPid, 0); return false; } catch (error) { return error.code === "ESRCH"; }
}
setInterval(() => { if (parentGone()) process.kill(process.pid, "SIGKILL"); }, pollMs);
`;

/** Starts the parent watchdog thread; it never keeps the process alive by itself. */
export function startParentWatchdog(parentPid: number = process.ppid, pollMs: number = PARENT_POLL_MS): Worker {
    const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parentPid, pollMs } });
    worker.unref();
    return worker;
}

// Ctrl-C and SIGTERM end the CLI at once with the shell's code for the signal (130, 143), after
// stopping what it started: each model host client registers its cleanup here.
import { constants } from "node:os";

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

const cleanups = new Set<() => void>();

/** Runs `cleanup` if the CLI is interrupted; returns the function that unregisters it. */
export function onSignalExit(cleanup: () => void): () => void {
    cleanups.add(cleanup);
    return () => cleanups.delete(cleanup);
}

/** 128 + the signal number, as shells report a process ended by that signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
    return 128 + (constants.signals[signal] ?? 0);
}

export function installSignalExit(): void {
    for (const signal of SIGNALS) {
        process.once(signal, () => {
            for (const cleanup of [...cleanups]) {
                try {
                    cleanup();
                } catch {
                    // Exiting anyway: a failed cleanup must not keep the process alive.
                }
            }
            process.exit(signalExitCode(signal));
        });
    }
}

// How every bench command ends: its result written (writeBenchResult) and exit code 0; a model or
// server error a user can fix (a bad model file, a server down) one stderr line and exit code 1;
// anything else, a bug, thrown on. The engine parts it opened are disposed either way.
import { reportEngineError } from "../cli/headlessEngine";

export interface DisposablePart {
    dispose(): void;
}

/** Runs `measure` (which writes the result) as the bench command `command`; `parts` are disposed in order after it. */
export async function runBenchCommand(command: string, parts: readonly DisposablePart[], measure: () => Promise<void>): Promise<number> {
    try {
        await measure();
        return 0;
    } catch (error) {
        if (reportEngineError(command, error)) return 1;
        throw error;
    } finally {
        for (const part of parts) part.dispose();
    }
}

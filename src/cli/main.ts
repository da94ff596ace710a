// The headless CLI `phi2-complete` (bundled to dist/cli.mjs): the same core pipeline and model
// host as the extension, for scripting and benchmarks.
import { runBench } from "../bench/runBench";
import { UsageError } from "./cliArguments";
import { COMPLETE_USAGE, runComplete } from "./completeCommand";
import { installSignalExit } from "./signalExit";
import { terminalSafe } from "./terminalSafe";
import { errorText } from "../core/errorText";

const USAGE = `phi2-complete: offline Python completions from a local Phi-2 GGUF

Usage:
  phi2-complete complete --model PATH --file F --line L --column C [--json] [options]
  phi2-complete bench [options]          benchmark (typing replay, overhead, cancel, IPC)
  phi2-complete bench quality [options]  suggestion quality on held-out stdlib files
  phi2-complete --help                   this text; "phi2-complete complete --help" for details

${COMPLETE_USAGE}`;

/** Runs a command; resolves the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
    const [command, ...rest] = argv;
    try {
        switch (command) {
            case undefined:
                process.stderr.write(`${USAGE}\n`);
                return 2;
            case "--help":
            case "-h":
            case "help":
                process.stdout.write(`${USAGE}\n`);
                return 0;
            case "complete":
                return await runComplete(rest);
            case "bench":
                return await runBench([...rest]);
            default:
                throw new UsageError(`Unknown command "${command}".`);
        }
    } catch (error) {
        if (error instanceof UsageError) {
            process.stderr.write(`phi2-complete: ${terminalSafe(error.message)}\nRun "phi2-complete --help" for usage.\n`);
            return 2;
        }
        // What happened, not where: a stack trace helps no user (--verbose shows the host's logs).
        process.stderr.write(`phi2-complete: ${terminalSafe(errorText(error))}\n`);
        return 1;
    }
}

installSignalExit();
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`phi2-complete: ${terminalSafe(String(error))}\n`);
        process.exitCode = 1;
    },
);

// The engine parts every headless command builds the same way (`complete`, `bench`, `bench
// quality`): the model host client for one run, and the tree-sitter syntax guard from the
// package's WASM folder.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createTreeSitterSyntaxGuard, type TreeSitterSyntaxGuard } from "../core/syntax/treeSitterSyntaxGuard";
import { ModelHostClient, ModelHostError, type HostClientLogger } from "../hostClient/ModelHostClient";
import { LlamaServerError } from "../serverClient/LlamaServerError";
import { UsageError } from "./cliArguments";
import { terminalSafe } from "./terminalSafe";
import { locateTreeSitterWasmDirectory } from "./treeSitterWasm";

/** The built model host next to this bundle (dist/cli.mjs -> dist/modelHost.mjs). */
export function hostScriptPath(): string {
    return path.join(path.dirname(fileURLToPath(import.meta.url)), "modelHost.mjs");
}

/** Log lines on stderr as `[source level] message`, control characters escaped; none unless verbose. */
export function stderrLogger(source: string, verbose: boolean): HostClientLogger | undefined {
    return verbose ? (level, message) => process.stderr.write(`[${source} ${level}] ${terminalSafe(message)}\n`) : undefined;
}

/**
 * Environment variables that override how long the host may take to start (default 20 s) and to
 * stay silent before it counts as hung (default 15 s): a slow disk or a busy machine may need
 * longer, a test of those errors shorter.
 */
export const HOST_TIMEOUT_VARIABLES = { startTimeoutMs: "PHI2_HOST_START_TIMEOUT_MS", hangTimeoutMs: "PHI2_HOST_HANG_TIMEOUT_MS" } as const;

/** setTimeout's longest delay: a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function millisecondsFromEnvironment(name: string): number | undefined {
    const raw = process.env[name]?.trim();
    if (raw === undefined || raw === "") return undefined;
    const ms = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(ms > 0 && ms <= MAX_TIMER_MS)) throw new UsageError(`${name} must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got "${raw}".`);
    return ms;
}

/** A host for one command: no restart (a crash ends the command with its error). */
export function createHeadlessHostClient(log: HostClientLogger | undefined): ModelHostClient {
    const startTimeoutMs = millisecondsFromEnvironment(HOST_TIMEOUT_VARIABLES.startTimeoutMs);
    const hangTimeoutMs = millisecondsFromEnvironment(HOST_TIMEOUT_VARIABLES.hangTimeoutMs);
    return new ModelHostClient({
        hostScriptPath: hostScriptPath(), restart: { enabled: false }, log,
        ...(startTimeoutMs !== undefined ? { startTimeoutMs } : {}),
        ...(hangTimeoutMs !== undefined ? { hangTimeoutMs } : {}),
    });
}

/** The extension's syntax guard, from the WASM files installed with the package. */
export function createHeadlessSyntaxGuard(timeBudgetMs?: number): Promise<TreeSitterSyntaxGuard> {
    return createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory(), timeBudgetMs });
}

/**
 * Writes a model or server error (what a user can fix: a bad file, a server down) as one stderr
 * line `command: model error (CODE): message`; true when it was one (the command exits 1), false
 * for anything else, which is a bug and is thrown on.
 */
export function reportEngineError(command: string, error: unknown): boolean {
    if (!(error instanceof ModelHostError || error instanceof LlamaServerError)) return false;
    process.stderr.write(`${command}: ${error instanceof LlamaServerError ? "server" : "model"} error (${error.code}): ${terminalSafe(error.message)}\n`);
    return true;
}

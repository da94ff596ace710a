// What activate() returns in test mode, so the extension-host suite can await the model and look at
// the last request. Production activations return nothing: no API surface to keep stable.
import * as vscode from "vscode";
import type { CompletionEngine } from "../core/completion/CompletionEngine";
import type { CatalogueEntry } from "../download/phi2Catalogue";
import type { ModelHostClient } from "../hostClient/ModelHostClient";
import type { ModelInfo } from "../protocol/modelHostProtocol";
import type { BackgroundPrefill } from "./BackgroundPrefill";
import type { CompletionStatistics } from "./CompletionStatistics";
import type { Phi2InlineCompletionProvider } from "./InlineCompletionProvider";
import type { ModelManager } from "./ModelManager";
import type { ModelStatusBar } from "./ModelStatusBar";
import type { ProjectContextService } from "./ProjectContextService";

export interface Phi2TestApi {
    readonly engine: CompletionEngine;
    readonly models: ModelManager;
    /** The model host client: the same object for the extension's lifetime (Restart Model replaces its process, not it). */
    readonly client: ModelHostClient;
    readonly provider: Phi2InlineCompletionProvider;
    readonly statusBar: ModelStatusBar;
    /** Background warm-ups: counts, the last one and an event per finished one. */
    readonly prefill: BackgroundPrefill;
    readonly statistics: CompletionStatistics;
    /** Definitions from other files for the prompt. */
    readonly projectContext: ProjectContextService;
    /** The command ids activation registered from the command table, in order. */
    readonly registeredCommands: readonly string[];
    whenReady(timeoutMs?: number): Promise<ModelInfo>;
}

/** Model load on a busy 2-core machine with the tiny test model takes well under this. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;

export function isTestMode(context: vscode.ExtensionContext): boolean {
    return process.env.PHI2_TEST === "1" || context.extensionMode === vscode.ExtensionMode.Test;
}

/**
 * The download catalogue the tests set (PHI2_TEST_DOWNLOAD_CATALOGUE, JSON), read when the command
 * runs; consulted only in test mode, so the pinned hashes always apply to users.
 */
export function readTestCatalogue(): readonly CatalogueEntry[] | undefined {
    const raw = process.env.PHI2_TEST_DOWNLOAD_CATALOGUE;
    return raw ? (JSON.parse(raw) as CatalogueEntry[]) : undefined;
}

export function createTestApi(parts: Omit<Phi2TestApi, "client" | "whenReady">): Phi2TestApi {
    return {
        ...parts,
        get client() {
            return parts.models.hostClient;
        },
        whenReady: (timeoutMs = DEFAULT_READY_TIMEOUT_MS) => parts.models.whenReady(timeoutMs),
    };
}

// Entry point: builds the editor-side objects, wires them together and registers their disposables.
// The behaviour lives in src/vscode (editor surface) and src/core (completion logic); the model runs
// in a child process (dist/modelHost.mjs).
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { CompletionEngine } from "./core/completion/CompletionEngine";
import { BackgroundPrefill } from "./vscode/BackgroundPrefill";
import { CompletionStatistics, describeStatistics } from "./vscode/CompletionStatistics";
import { registerCommands, runModelAction } from "./vscode/commands";
import { completionsEnabledFor } from "./vscode/completionsEnabled";
import { registerDownloadCommand } from "./vscode/downloadModelCommand";
import { registerExplainCommand } from "./vscode/explainCommand";
import { COMPLETION_ACCEPTED_COMMAND, Phi2InlineCompletionProvider, PYTHON_SELECTOR } from "./vscode/InlineCompletionProvider";
import { ModelManager } from "./vscode/ModelManager";
import { ModelStatusBar } from "./vscode/ModelStatusBar";
import { showNoModelNoticeOnce } from "./vscode/noModelNotice";
import { findTreeSitterWasmDirectory, loadSyntaxGuard } from "./vscode/syntaxGuardLoader";
import { ProjectContextService } from "./vscode/ProjectContextService";
import { contextBudgetTokens } from "./core/completion/CompletionSettings";
import type { DocumentSnapshot } from "./core/types";
import { readServerApiKey, registerServerApiKey } from "./vscode/serverApiKey";
import { affectsCompletion, readSettings, toCompletionSettings, type Phi2Settings } from "./vscode/settings";
import type { CompletionSettings } from "./core/completion/CompletionSettings";
import { tuneCompletionSettings } from "./core/completion/machineTuning";
import { createTestApi, isTestMode, readTestCatalogue, type Phi2TestApi } from "./vscode/testApi";

export async function activate(context: vscode.ExtensionContext): Promise<Phi2TestApi | undefined> {
    const log = vscode.window.createOutputChannel("Phi-2", { log: true });
    context.subscriptions.push(log);
    try {
        const hostScriptPath = path.join(context.extensionPath, "dist", "modelHost.mjs");
        if (!fs.existsSync(hostScriptPath)) throw new Error(`The model host script is missing: ${hostScriptPath}. Build the extension (npm run build) or reinstall it.`);

        // Read once and refreshed on configuration changes: requests and keystrokes only look at it.
        let settings = readSettings();
        // Downloaded models live with the extension's global storage (on the remote machine in a remote window).
        const modelsFolder = path.join(context.globalStorageUri.fsPath, "models");
        const models = new ModelManager({ hostScriptPath, log, runAction: runModelAction, serverApiKey: () => readServerApiKey(context.secrets), machineMemory: context.globalState });
        models.setIdleUnloadMinutes(settings.idleUnloadMinutes);
        // The budgets follow this machine's measured speed (explicit settings win).
        const completionSettings = () => tunedCompletionSettings(settings, models);
        const engine = new CompletionEngine(models, { settings: completionSettings(), syntaxGuard: await loadSyntaxGuard(context.extensionPath, log) });
        const statusBar = new ModelStatusBar();
        const statistics = new CompletionStatistics(() => engine.totals);
        const describeSession = () => describeStatistics(statistics.summary());
        const refreshStatusBar = () => statusBar.update({ status: models.status, enabled: settings.enable, activity: models.activity.view, measuredSpeed: models.measuredSpeed, statistics: describeSession() });
        const projectContext = new ProjectContextService({ wasmDirectory: findTreeSitterWasmDirectory(context.extensionPath), log, mode: () => settings.context });
        const contextFor = (document: vscode.TextDocument, snapshot: DocumentSnapshot) =>
            projectContext.contextFor(document, snapshot, contextBudgetTokens(toCompletionSettings(settings)));
        const provider = new Phi2InlineCompletionProvider({
            engine,
            log,
            projectContext: contextFor,
            alternatives: () => settings.alternatives,
            isEnabled: completionsEnabledFor,
            isModelReady: () => models.readyOrWake(),
        });
        const prefill = new BackgroundPrefill({
            engine,
            log,
            selector: PYTHON_SELECTOR,
            isEnabled: (document) => settings.backgroundPrefill && completionsEnabledFor(document),
            isModelReady: () => models.readyOrWake(),
            projectContext: contextFor,
        });
        context.subscriptions.push(
            models,
            { dispose: () => engine.dispose() },
            statusBar,
            provider,
            prefill,
            projectContext,
            models.onDidChangeStatus(refreshStatusBar),
            models.onDidChangeActivity(refreshStatusBar),
            models.onDidChangeSpeed(() => {
                const tuned = completionSettings();
                engine.updateSettings(tuned);
                log.info(`Budgets for this speed: prompt window ${tuned.maxPromptTokens} tokens, max tokens ${tuned.maxTokens}, time cap ${tuned.timeCapMs} ms, cold debounce ${tuned.debounce.coldMs} ms, latency budget ${tuned.latencyBudgetMs} ms.`);
                refreshStatusBar();
            }),
            models.onDidChangeStatus(hideStaleGhostText()),
            models.onDidBecomeReady(() => {
                engine.updateSettings(completionSettings());
                // A fresh model host (or another model) starts with empty KV caches: what the engine
                // remembers about prompts and suggestions is stale.
                for (const document of vscode.workspace.textDocuments) engine.forgetDocument(document.uri.toString());
                // The user typed while the model was (re)starting: their request comes first and reads
                // the active document itself in the foreground; a background prefill of it as well
                // would make that request wait for the prefill's current chunk (seconds on Phi-2).
                void provider.retriggerAfterReady().then((asked) => {
                    if (!asked) prefill.scheduleForActiveEditor("modelReady");
                });
            }),
            provider.onDidComplete((record) => {
                if (record.outcome) statistics.record(record.outcome);
                refreshStatusBar();
            }),
            vscode.languages.registerInlineCompletionItemProvider(PYTHON_SELECTOR, provider),
            vscode.commands.registerCommand(COMPLETION_ACCEPTED_COMMAND, (outcome) => {
                engine.notifyAccepted(outcome);
                refreshStatusBar();
            }),
            ...registerCommands(models, log, modelsFolder, describeSession),
            registerDownloadCommand({
                modelsFolder,
                log,
                reloadModel: () => models.loadConfiguredModel(),
                testCatalogue: isTestMode(context) ? readTestCatalogue : undefined,
            }),
            // A new key applies at once when the server backend is in use.
            ...registerServerApiKey(context.secrets, () => {
                if (settings.backend === "server") void models.loadConfiguredModel();
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                engine.forgetDocument(document.uri.toString());
                provider.forgetDocument(document.uri.toString());
                projectContext.forgetDocument(document.uri.toString());
                models.forgetDocument(document.uri.toString());
            }),
            vscode.workspace.onDidChangeConfiguration((event) => {
                settings = readSettings();
                if (affectsCompletion(event)) engine.updateSettings(completionSettings());
                // Compared by value: VS Code also reports a workspace's ignored machine-scoped keys as changed.
                void models.reloadIfSettingsChanged();
                models.setIdleUnloadMinutes(settings.idleUnloadMinutes);
                if (!settings.enable || !settings.backgroundPrefill) prefill.cancel();
                refreshStatusBar();
            }),
        );
        registerExplainCommand(context, { models, log });
        refreshStatusBar();

        // Load in the background: activation (and typing) never waits for the model.
        void models.loadConfiguredModel().then(() => {
            if (models.status.kind === "noModel") void showNoModelNoticeOnce(context.globalState, runModelAction);
        });
        return isTestMode(context) ? createTestApi({ engine, models, provider, statusBar, prefill, statistics, projectContext }) : undefined;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`Phi-2 Complete failed to start: ${error instanceof Error ? error.stack ?? message : message}`);
        void vscode.window.showErrorMessage(`Phi-2 Complete failed to start: ${message}`, "Show Logs").then((picked) => {
            if (picked) log.show();
        });
        throw error;
    }
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions (the model host is stopped by ModelManager).
}

/** The completion settings for the model in use, tuned to its measured speed (machineTuning.ts). */
function tunedCompletionSettings(settings: Phi2Settings, models: ModelManager): CompletionSettings {
    // A llama-server's slot may hold less context than phi2.contextSize.
    const base = toCompletionSettings(settings, models.status.kind === "ready" ? models.status.info.contextSize : undefined);
    const speed = models.measuredSpeed;
    return speed ? tuneCompletionSettings(base, speed, settings.explicitTunables) : base;
}

/**
 * A suggestion on screen came from the model that is going away (a reload, a restart, an idle
 * unload): hide it rather than leave the previous model's text showing while the next one loads.
 */
function hideStaleGhostText(): (status: { readonly kind: string }) => void {
    let wasReady = false;
    return (status) => {
        const ready = status.kind === "ready";
        if (wasReady && !ready) void vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
        wasReady = ready;
    };
}

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
import { registerExplainCommand } from "./vscode/explainCommand";
import { COMPLETION_ACCEPTED_COMMAND, Phi2InlineCompletionProvider, PYTHON_SELECTOR } from "./vscode/InlineCompletionProvider";
import { ModelManager } from "./vscode/ModelManager";
import { ModelStatusBar } from "./vscode/ModelStatusBar";
import { showNoModelNoticeOnce } from "./vscode/noModelNotice";
import { readServerApiKey, registerServerApiKey } from "./vscode/serverApiKey";
import { loadSyntaxGuard } from "./vscode/syntaxGuardLoader";
import { affectsCompletion, affectsModel, readSettings, toCompletionSettings } from "./vscode/settings";
import { createTestApi, isTestMode, type Phi2TestApi } from "./vscode/testApi";

export async function activate(context: vscode.ExtensionContext): Promise<Phi2TestApi | undefined> {
    const log = vscode.window.createOutputChannel("Phi-2", { log: true });
    context.subscriptions.push(log);
    try {
        const hostScriptPath = path.join(context.extensionPath, "dist", "modelHost.mjs");
        if (!fs.existsSync(hostScriptPath)) throw new Error(`The model host script is missing: ${hostScriptPath}. Build the extension (npm run build) or reinstall it.`);

        // Read once and refreshed on configuration changes: requests and keystrokes only look at it.
        let settings = readSettings();
        const models = new ModelManager({ hostScriptPath, log, runAction: runModelAction, serverApiKey: () => readServerApiKey(context.secrets) });
        const engine = new CompletionEngine(models, { settings: toCompletionSettings(settings), syntaxGuard: await loadSyntaxGuard(context.extensionPath, log) });
        const statusBar = new ModelStatusBar();
        const statistics = new CompletionStatistics(() => engine.totals);
        const describeSession = () => describeStatistics(statistics.summary());
        let generating = 0;
        const refreshStatusBar = () => statusBar.update({ status: models.status, enabled: settings.enable, generating, statistics: describeSession() });
        const provider = new Phi2InlineCompletionProvider({
            engine,
            log,
            isEnabled: () => settings.enable,
            isModelReady: () => models.isReady,
            onActivity: (delta) => {
                const wasGenerating = generating > 0;
                generating += delta;
                // Redraw only when the spinner turns on or off, not twice per request.
                if (wasGenerating !== generating > 0) refreshStatusBar();
            },
        });
        const prefill = new BackgroundPrefill({
            engine,
            log,
            selector: PYTHON_SELECTOR,
            isEnabled: () => settings.enable && settings.backgroundPrefill,
            isModelReady: () => models.isReady,
        });
        context.subscriptions.push(
            models,
            { dispose: () => engine.dispose() },
            statusBar,
            provider,
            prefill,
            models.onDidChangeStatus(refreshStatusBar),
            models.onDidBecomeReady((info) => {
                // A llama-server's slot may hold less context than phi2.contextSize.
                engine.updateSettings(toCompletionSettings(settings, info.contextSize));
                // A fresh model host (or another model) starts with empty KV caches: what the engine
                // remembers about prompts and suggestions is stale.
                for (const document of vscode.workspace.textDocuments) engine.forgetDocument(document.uri.toString());
                void provider.retriggerAfterReady();
                prefill.scheduleForActiveEditor("modelReady");
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
            ...registerCommands(models, log, describeSession),
            // A new key applies at once when the server backend is in use.
            ...registerServerApiKey(context.secrets, () => {
                if (settings.backend === "server") void models.loadConfiguredModel();
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                engine.forgetDocument(document.uri.toString());
                provider.forgetDocument(document.uri.toString());
                models.forgetDocument(document.uri.toString());
            }),
            vscode.workspace.onDidChangeConfiguration((event) => {
                settings = readSettings();
                if (affectsCompletion(event)) engine.updateSettings(toCompletionSettings(settings, models.status.kind === "ready" ? models.status.info.contextSize : undefined));
                if (affectsModel(event, settings)) void models.loadConfiguredModel();
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
        return isTestMode(context) ? createTestApi({ engine, models, provider, statusBar, prefill, statistics }) : undefined;
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

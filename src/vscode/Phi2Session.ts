// One activation's objects (rust-analyzer's `Ctx`): the settings, read once and refreshed on
// change, the model manager, the completion engine, the provider, the background prefill, the
// status bar and the explain controller, wired together. The commands reach them through it (the
// command table, commands.ts); activate() only builds it and registers the table.
import * as path from "node:path";
import * as vscode from "vscode";
import { CompletionEngine } from "../core/completion/CompletionEngine";
import { contextBudgetTokens, type CompletionSettings } from "../core/completion/CompletionSettings";
import { tuneCompletionSettings } from "../core/completion/machineTuning";
import type { SyntaxGuard } from "../core/syntax/syntaxGuard";
import type { DocumentSnapshot } from "../core/types";
import { BackgroundPrefill } from "./BackgroundPrefill";
import { runModelAction } from "./commands";
import { CompletionStatistics, describeStatistics } from "./CompletionStatistics";
import { completionsEnabledFor } from "./completionsEnabled";
import { ExplainController } from "./explainCommand";
import { Phi2InlineCompletionProvider, PYTHON_SELECTOR } from "./InlineCompletionProvider";
import { ModelManager } from "./ModelManager";
import { ModelStatusBar } from "./ModelStatusBar";
import { showNoModelNoticeOnce } from "./noModelNotice";
import { ProjectContextService } from "./ProjectContextService";
import { readServerApiKey, watchServerApiKey } from "./serverApiKey";
import { describeSettingsChange, readSettings, toCompletionSettings, type Phi2Settings } from "./settings";
import { findTreeSitterWasmDirectory, loadSyntaxGuard } from "./syntaxGuardLoader";
import { createTestApi, isTestMode, type Phi2TestApi } from "./testApi";

export class Phi2Session implements vscode.Disposable {
    /** Read once and refreshed on configuration changes: requests and keystrokes only look at it. */
    private current: Phi2Settings = readSettings();
    /** Downloaded models live with the extension's global storage (on the remote machine in a remote window). */
    readonly modelsFolder: string;
    readonly testMode: boolean;
    readonly models: ModelManager;
    readonly engine: CompletionEngine;
    readonly statusBar = new ModelStatusBar();
    readonly statistics: CompletionStatistics;
    readonly projectContext: ProjectContextService;
    readonly provider: Phi2InlineCompletionProvider;
    readonly prefill: BackgroundPrefill;
    readonly explain: ExplainController;
    /** The command ids the command table registered, in order (the test API reports them). */
    readonly registeredCommands: string[] = [];
    private readonly disposables: vscode.Disposable[] = [];

    /** Loads the syntax guard first (the engine takes it at construction). */
    static async create(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, hostScriptPath: string): Promise<Phi2Session> {
        return new Phi2Session(context, log, hostScriptPath, await loadSyntaxGuard(context.extensionPath, log));
    }

    private constructor(
        readonly context: vscode.ExtensionContext,
        readonly log: vscode.LogOutputChannel,
        hostScriptPath: string,
        syntaxGuard: SyntaxGuard | undefined,
    ) {
        this.modelsFolder = path.join(context.globalStorageUri.fsPath, "models");
        this.testMode = isTestMode(context);
        this.models = new ModelManager({ hostScriptPath, log, settings: () => this.current, runAction: runModelAction, serverApiKey: () => readServerApiKey(context.secrets), machineMemory: context.globalState });
        this.models.setIdleUnloadMinutes(this.current.idleUnloadMinutes);
        // The budgets follow this machine's measured speed (explicit settings win).
        this.engine = new CompletionEngine(this.models, { settings: this.completionSettings(), syntaxGuard });
        this.statistics = new CompletionStatistics(() => this.engine.totals);
        this.projectContext = new ProjectContextService({ wasmDirectory: findTreeSitterWasmDirectory(context.extensionPath), log, mode: () => this.current.context });
        const contextFor = (document: vscode.TextDocument, snapshot: DocumentSnapshot) =>
            this.projectContext.contextFor(document, snapshot, contextBudgetTokens(toCompletionSettings(this.current)));
        this.provider = new Phi2InlineCompletionProvider({
            engine: this.engine,
            log,
            projectContext: contextFor,
            alternatives: () => this.current.alternatives,
            isEnabled: completionsEnabledFor,
            isModelReady: () => this.models.readyOrWake(),
        });
        this.prefill = new BackgroundPrefill({
            engine: this.engine,
            log,
            selector: PYTHON_SELECTOR,
            isEnabled: (document) => this.current.backgroundPrefill && completionsEnabledFor(document),
            isModelReady: () => this.models.readyOrWake(),
            projectContext: contextFor,
        });
        this.explain = new ExplainController(context.extensionUri, { models: this.models, log, settings: () => this.current, runAction: runModelAction });
        this.disposables.push(
            this.models,
            { dispose: () => this.engine.dispose() },
            this.statusBar,
            this.provider,
            this.prefill,
            this.projectContext,
            ...this.wireEvents(),
            this.explain,
        );
        this.refreshStatusBar();
    }

    get settings(): Phi2Settings {
        return this.current;
    }

    /** Loads the model in the background: activation (and typing) never waits for it. */
    start(): void {
        void this.models.loadConfiguredModel().then(() => {
            if (this.models.status.kind === "noModel") void showNoModelNoticeOnce(this.context.globalState, runModelAction);
        });
    }

    /** This session's local completion numbers (CompletionStatistics), for the status bar and its menu. */
    describeStatistics(): readonly string[] {
        return describeStatistics(this.statistics.summary());
    }

    refreshStatusBar(): void {
        const models = this.models;
        this.statusBar.update({ status: models.status, enabled: this.current.enable, activity: models.activity.view, measuredSpeed: models.measuredSpeed, statistics: this.describeStatistics() });
    }

    testApi(): Phi2TestApi | undefined {
        if (!this.testMode) return undefined;
        const { engine, models, provider, statusBar, prefill, statistics, projectContext, registeredCommands } = this;
        return createTestApi({ engine, models, provider, statusBar, prefill, statistics, projectContext, registeredCommands });
    }

    dispose(): void {
        // In the order built, as context.subscriptions would: the model host stops first.
        for (const disposable of this.disposables.splice(0)) disposable.dispose();
    }

    /** The completion settings for the model in use, tuned to its measured speed (machineTuning.ts). */
    private completionSettings(): CompletionSettings {
        // A llama-server's slot may hold less context than phi2.contextSize.
        const status = this.models.status;
        const base = toCompletionSettings(this.current, status.kind === "ready" ? status.info.contextSize : undefined);
        const speed = this.models.measuredSpeed;
        return speed ? tuneCompletionSettings(base, speed, this.current.explicitTunables) : base;
    }

    private wireEvents(): vscode.Disposable[] {
        const { models, engine, provider, prefill, log } = this;
        return [
            models.onDidChangeStatus(() => this.refreshStatusBar()),
            models.onDidChangeActivity(() => this.refreshStatusBar()),
            models.onDidChangeSpeed(() => {
                const tuned = this.completionSettings();
                engine.updateSettings(tuned);
                log.info(`Budgets for this speed: prompt window ${tuned.maxPromptTokens} tokens, max tokens ${tuned.maxTokens}, time cap ${tuned.timeCapMs} ms, cold debounce ${tuned.debounce.coldMs} ms, latency budget ${tuned.latencyBudgetMs} ms.`);
                this.refreshStatusBar();
            }),
            models.onDidChangeStatus(hideStaleGhostText()),
            models.onDidBecomeReady(() => {
                engine.updateSettings(this.completionSettings());
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
                if (record.outcome) this.statistics.record(record.outcome);
                this.refreshStatusBar();
            }),
            vscode.languages.registerInlineCompletionItemProvider(PYTHON_SELECTOR, provider),
            // A new key applies at once when the server backend is in use.
            watchServerApiKey(this.context.secrets, () => {
                if (this.current.backend === "server") void models.loadConfiguredModel();
            }),
            vscode.workspace.onDidCloseTextDocument((document) => {
                const uri = document.uri.toString();
                engine.forgetDocument(uri);
                provider.forgetDocument(uri);
                this.projectContext.forgetDocument(uri);
                models.forgetDocument(uri);
            }),
            vscode.workspace.onDidChangeConfiguration((event) => this.onDidChangeConfiguration(event)),
        ];
    }

    /** Refreshes the settings, reloads the model only for a key that needs it, and applies the rest live. */
    private onDidChangeConfiguration(event: vscode.ConfigurationChangeEvent): void {
        const change = describeSettingsChange(event);
        if (!change.affectsPhi2) return;
        this.refreshSettings();
        // Compared by value: VS Code also reports a workspace's ignored machine-scoped keys as changed.
        if (change.mayNeedModelReload) void this.models.reloadIfSettingsChanged();
    }

    /** Reads the settings again and applies what applies live (the model manager reads them from here too). */
    private refreshSettings(): void {
        this.current = readSettings();
        this.engine.updateSettings(this.completionSettings());
        this.models.setIdleUnloadMinutes(this.current.idleUnloadMinutes);
        if (!this.current.enable || !this.current.backgroundPrefill) this.prefill.cancel();
        this.refreshStatusBar();
    }
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

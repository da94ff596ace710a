// Owns the model host client for the editor: loads `phi2.modelPath` in the background (activation
// never waits for it), reloads when a model setting changes, restarts on request, and turns the
// host's state into the status the status bar shows. Failures reach the user once per attempt,
// with the actions that fix them. With `phi2.backend: server` it uses a team's llama-server at
// `phi2.server.url` instead (ServerTextGenerator) and the local host stays stopped.
import { stat } from "node:fs/promises";
import * as os from "node:os";
import * as vscode from "vscode";
import type { MeasuredSpeed } from "../core/completion/machineTuning";
import { SpeedEstimate } from "../core/completion/SpeedEstimate";
import { threadChoiceKey } from "../core/model/threadChoice";
import { ModelHostClient, ModelHostError, type HostClientLogLevel, type HostState } from "../hostClient/ModelHostClient";
import { SYSTEM_TIMERS } from "../core/completion/scheduler";
import { IdleUnloadTimer } from "../core/model/IdleUnloadTimer";
import { ModelActivity, type ModelActivityView } from "../core/model/ModelActivity";
import type { GenerateOptions, PrefillOptions, PrefillResult, RequestPriority, TextGenerator } from "../core/textGenerator";
import type { GenerationResult } from "../core/types";
import type { ModelInfo } from "../protocol/modelHostProtocol";
import { EXPLAIN_SEQUENCE_KEY } from "../core/explain/ExplainSession";
import { PHI2_VOCAB_SIZE } from "../core/phi2TokenTable";
import { LlamaServerError } from "../serverClient/LlamaServerError";
import type { ServerInfo, ServerState } from "../serverClient/ServerConnection";
import { ServerTextGenerator } from "../serverClient/ServerTextGenerator";
import { ACTION_LABELS, describeModelError, type ModelAction } from "./modelErrors";
import { statusOfHost } from "./hostStatus";
import { describePlacement, describeThreads } from "./ModelStatusBar";
import { errorToasts } from "./OneErrorAtATime";
import { toLoadParams, type Phi2Settings } from "./settings";

export type ModelStatus =
    | { readonly kind: "noModel" }
    | { readonly kind: "starting" }
    | { readonly kind: "loading"; readonly progress: number }
    /** `server`: the URL of the llama-server in use (phi2.backend "server"). */
    | { readonly kind: "ready"; readonly info: ModelInfo; readonly server?: string }
    /** Unloaded after phi2.idleUnloadMinutes without requests; the next request loads it again. */
    | { readonly kind: "idle"; readonly idleMinutes: number }
    /** `reason`: why a llama-server is being checked again (unreachable, 503). */
    | { readonly kind: "restarting"; readonly attempt: number; readonly delayMs: number; readonly reason?: string }
    | { readonly kind: "error"; readonly error: ModelHostError | LlamaServerError; readonly modelPath: string };

export interface ModelManagerOptions {
    readonly hostScriptPath: string;
    readonly log: vscode.LogOutputChannel;
    /** The session's settings (read once per configuration change, not here). */
    readonly settings: () => Phi2Settings;
    /** Runs a user-facing action picked from an error message. */
    readonly runAction: (action: ModelAction) => void;
    /** The llama-server API key from SecretStorage (phi2.backend "server"). */
    readonly serverApiKey: () => Thenable<string | undefined>;
    /**
     * Where the thread count measured fastest and the model's speeds are remembered per CPU and
     * model file (the extension's globalState), so they are measured once, not at every start.
     */
    readonly machineMemory?: vscode.Memento;
}

/** What is remembered about this machine running this model. */
interface RememberedMachine {
    readonly threads: number;
    readonly promptTokensPerS?: number;
    readonly generatedTokensPerS?: number;
}

const MACHINE_MEMORY_PREFIX = "phi2.machine:";

/**
 * Also the completion engine's TextGenerator: it forwards to the one host client (which outlives
 * crashes and "Restart Model") or, with phi2.backend "server", to the llama-server.
 */
export class ModelManager implements TextGenerator, vscode.Disposable {
    /** One for the manager's lifetime: restarts replace the host process inside it, not the client. */
    private readonly client: ModelHostClient;
    private readonly clientSubscription: { dispose(): void };
    /** The llama-server backend while phi2.backend is "server". */
    private server: { readonly generator: ServerTextGenerator; readonly subscription: { dispose(): void } } | undefined;
    private current: ModelStatus = { kind: "noModel" };
    private modelPath = "";
    /** The load parameters of the last load attempt ("" = none): a reload happens only when they change. */
    private loadedParamsKey: string | undefined;
    private gpuFallbackReported = false;
    private idleMinutes = 0;
    private readonly idleTimer = new IdleUnloadTimer(SYSTEM_TIMERS, () => this.unloadIdle());
    /** Increases per load attempt: a stale attempt's result must not overwrite a newer one. */
    private generation = 0;
    /** Loads awaited by loadConfiguredModel(), which reports their errors itself. */
    private loadsInFlight = 0;
    private readonly activityEmitter = new vscode.EventEmitter<ModelActivityView>();
    /** What the model is doing for which document, once a request has waited (the status bar shows it). */
    readonly activity = new ModelActivity(SYSTEM_TIMERS, (view) => this.activityEmitter.fire(view));
    readonly onDidChangeActivity = this.activityEmitter.event;
    private readonly statusEmitter = new vscode.EventEmitter<ModelStatus>();
    readonly onDidChangeStatus = this.statusEmitter.event;
    private readonly readyEmitter = new vscode.EventEmitter<ModelInfo>();
    /** This machine's speed with the loaded model: at load, then from every request's counters. */
    private speed = new SpeedEstimate();
    private machineKey: string | undefined;
    private readonly speedEmitter = new vscode.EventEmitter<MeasuredSpeed>();
    /** The measured speed moved enough to re-tune the completion budgets (and the tooltip). */
    readonly onDidChangeSpeed = this.speedEmitter.event;
    private readonly evictionEmitter = new vscode.EventEmitter<string>();
    /** A request (a completion, a prefill, an explanation) took the KV cache of this key (TextGenerator.onDidEvictKey). */
    readonly onDidEvictKey = this.evictionEmitter.event;
    /**
     * The model became ready after not being ready: the first load, a reload for a changed
     * setting, a crash restart or Restart Model. Each time the host starts with empty KV caches.
     */
    readonly onDidBecomeReady = this.readyEmitter.event;

    constructor(private readonly options: ModelManagerOptions) {
        this.client = this.createClient();
        this.clientSubscription = this.client.onDidChangeState((state) => this.onHostState(state));
    }

    get status(): ModelStatus {
        return this.current;
    }

    /** The model host client (the same object for the manager's lifetime). */
    get hostClient(): ModelHostClient {
        return this.client;
    }

    get isReady(): boolean {
        return this.current.kind === "ready";
    }

    /**
     * Prompt and generation tokens per second of the model in use on this machine, as requests
     * get them (undefined until both are known). For logs, the status bar tooltip and tuning.
     */
    get measuredSpeed(): MeasuredSpeed | undefined {
        return this.speed.current;
    }

    generate(options: GenerateOptions): Promise<GenerationResult> {
        return this.whileBusy(options, "foreground", (tracked) => (this.server?.generator ?? this.client).generate(tracked).then((result) => this.learnSpeed(result)));
    }

    /**
     * Prefills do not feed the speed estimate: a background prefill's time includes its waits for
     * the sequence and behind foreground work, and while typing there is one per keystroke, so
     * they would pull the estimate (and the tuned prompt window) far below the real speed.
     */
    prefill(options: PrefillOptions): Promise<PrefillResult> {
        return this.whileBusy(options, "background", (tracked) => (this.server?.generator ?? this.client).prefill(tracked));
    }

    private learnSpeed<T extends { readonly counters: GenerationResult["counters"] }>(result: T): T {
        if (this.speed.record(result.counters)) this.reportSpeed();
        return result;
    }

    private reportSpeed(): void {
        const current = this.speed.current;
        if (!current) return;
        this.options.log.info(`Measured speed: prompt ${current.promptTokensPerS} tokens/s, generation ${current.generatedTokensPerS} tokens/s.`);
        if (this.machineKey && this.current.kind === "ready" && !this.server) {
            const remembered: RememberedMachine = { threads: this.current.info.threads, ...current };
            void this.options.machineMemory?.update(this.machineKey, remembered);
        }
        this.speedEmitter.fire(current);
    }

    /** What was remembered about this CPU running this model file (undefined: measure). */
    private async rememberedMachine(modelPath: string): Promise<RememberedMachine | undefined> {
        const bytes = await stat(modelPath).then((info) => info.size, () => 0);
        this.machineKey = MACHINE_MEMORY_PREFIX + threadChoiceKey(os.cpus()[0]?.model ?? "unknown CPU", os.availableParallelism(), modelPath, bytes);
        const remembered = this.options.machineMemory?.get<RememberedMachine>(this.machineKey);
        return remembered && Number.isInteger(remembered.threads) && remembered.threads > 0 ? remembered : undefined;
    }

    /** After a load: the thread measurement (if any) is remembered and seeds the speed estimate. */
    private afterLoad(info: ModelInfo, remembered: RememberedMachine | undefined): void {
        this.speed = new SpeedEstimate(remembered);
        const chosen = info.threadMeasurements?.find((measurement) => measurement.threads === info.threads);
        if (chosen) {
            this.speed.reset(chosen);
            if (this.machineKey) void this.options.machineMemory?.update(this.machineKey, { threads: info.threads, ...this.speed.current } satisfies RememberedMachine);
        }
        if (this.speed.current) this.reportSpeed();
    }

    /** phi2.idleUnloadMinutes: unload after this long without requests (0 = never). */
    setIdleUnloadMinutes(minutes: number): void {
        this.idleMinutes = minutes;
        this.idleTimer.setIdleMs(this.isReady ? minutes * 60_000 : 0);
    }

    /**
     * Whether the model can answer now; an idle (unloaded) model starts loading again, so the
     * request that found it idle gets its answer once it is ready (onDidBecomeReady).
     */
    readyOrWake(): boolean {
        this.wakeIfIdle();
        return this.isReady;
    }

    wakeIfIdle(): void {
        if (this.current.kind !== "idle") return;
        this.options.log.info("A request after the idle unload: loading the model again.");
        void this.loadConfiguredModel();
    }

    /** Runs a model request with the idle timer held and its activity (and prefill progress) tracked. */
    private async whileBusy<O extends GenerateOptions | PrefillOptions, T>(options: O, defaultPriority: RequestPriority, request: (tracked: O) => Promise<T>): Promise<T> {
        this.idleTimer.begin();
        const activity = this.activity.begin(options.sequenceKey, options.priority ?? defaultPriority);
        try {
            return await request({
                ...options,
                onPrefillProgress: (progress) => {
                    activity.progress(progress);
                    options.onPrefillProgress?.(progress);
                },
                onKeyEvicted: (evictedKey) => {
                    options.onKeyEvicted?.(evictedKey);
                    this.evictionEmitter.fire(evictedKey);
                },
            });
        } finally {
            activity.end();
            this.idleTimer.end();
        }
    }

    private unloadIdle(): void {
        if (!this.isReady) return;
        this.options.log.info(`No requests for ${this.idleMinutes} min: unloading the model to free its memory; it loads again on the next request.`);
        this.generation++;
        this.setStatus({ kind: "idle", idleMinutes: this.idleMinutes });
        this.client.stop();
    }

    /** A closed document's llama-server slot may go to the next document (the local host's pool does this itself). */
    forgetDocument(uri: string): void {
        this.server?.generator.forgetKey(uri);
    }

    /**
     * Loads the configured model again only if the effective model settings differ from the last
     * load: a workspace value of a machine-scoped setting is ignored by VS Code, and a change to it
     * must not cost a reload.
     */
    async reloadIfSettingsChanged(): Promise<void> {
        if (effectiveParamsKey(this.options.settings()) !== this.loadedParamsKey) await this.loadConfiguredModel();
    }

    /** Loads the configured model; resolves when loaded, failed, or there is nothing to load. */
    loadConfiguredModel(): Promise<void> {
        return this.loadModel(false);
    }

    /** `freshHost`: the local model loads on a new host process (Restart Model). */
    private async loadModel(freshHost: boolean): Promise<void> {
        const settings = this.options.settings();
        const attempt = ++this.generation;
        this.stopServer();
        this.loadedParamsKey = effectiveParamsKey(settings);
        if (settings.backend === "server") return this.connectServer(settings, attempt);
        this.modelPath = settings.modelPath;
        if (!settings.modelPath) {
            this.client.stop();
            this.setStatus({ kind: "noModel" });
            return;
        }
        const remembered = settings.threadsExplicit ? undefined : await this.rememberedMachine(settings.modelPath);
        if (attempt !== this.generation) return;
        const params = toLoadParams(settings, remembered?.threads);
        const threadsText = params.threadCandidates ? `threads measured from ${params.threadCandidates.join(", ")}` : describeThreads(params.threads);
        this.options.log.info(`Loading ${params.modelPath} (gpu ${params.gpu}, ${threadsText}, context ${params.contextSize}, KV budget ${params.kvCacheBudgetMb ?? 0} MiB).`);
        this.setStatus({ kind: "starting" });
        this.loadsInFlight++;
        try {
            const info = await (freshHost ? this.client.restart(params) : this.client.load(params));
            if (attempt !== this.generation) return;
            this.options.log.info(
                `Model ready in ${info.loadMs} ms: ${info.architecture}, context ${info.contextSize}/${info.trainContextSize}, ` +
                    `${describePlacement(info)}, ${describeThreads(info.threads)}.`,
            );
            if (info.gpuFallback) this.reportGpuFallback(info.gpuFallback);
            if (info.threadMeasurements) this.options.log.info(`Generation speed by threads: ${info.threadMeasurements.map((m) => `${m.threads}: ${m.generatedTokensPerS} tok/s`).join(", ")}; using ${describeThreads(info.threads)} (remembered for this CPU and model).`);
            this.afterLoad(info, remembered);
        } catch (error) {
            if (attempt !== this.generation) return;
            const hostError = error instanceof ModelHostError ? error : new ModelHostError("INTERNAL", String(error));
            // A crash during the load is handled by the client's restart (state "restarting"), unless
            // the client gave up (a host that never got ready is not restarted): then say so.
            const clientState = this.client.state;
            if (hostError.code === "HOST_EXITED" && clientState.kind !== "error") return;
            this.fail(clientState.kind === "error" ? clientState.error : hostError);
        } finally {
            this.loadsInFlight--;
        }
    }

    /** Restart Model: a fresh model host loads the configured model (the client stays the same). */
    async restart(): Promise<void> {
        this.options.log.info("Restarting the model host.");
        await this.loadModel(true);
    }

    /** Resolves with the model info once ready; rejects on a load error or after the timeout. */
    whenReady(timeoutMs: number): Promise<ModelInfo> {
        return new Promise((resolve, reject) => {
            const settle = (status: ModelStatus): boolean => {
                if (status.kind === "ready") resolve(status.info);
                else if (status.kind === "error") reject(status.error);
                else if (status.kind === "noModel") reject(new Error("No model configured (phi2.modelPath is empty)."));
                else return false;
                return true;
            };
            if (settle(this.current)) return;
            const timer = setTimeout(() => {
                subscription.dispose();
                reject(new Error(`The model was not ready within ${timeoutMs} ms (status: ${this.current.kind}).`));
            }, timeoutMs);
            const subscription = this.onDidChangeStatus((status) => {
                if (settle(status)) {
                    clearTimeout(timer);
                    subscription.dispose();
                }
            });
        });
    }

    dispose(): void {
        this.generation++;
        this.idleTimer.cancel();
        this.stopServer();
        this.clientSubscription.dispose();
        this.client.dispose();
        this.statusEmitter.dispose();
        this.readyEmitter.dispose();
        this.activityEmitter.dispose();
        this.speedEmitter.dispose();
        this.evictionEmitter.dispose();
    }

    /** Uses the llama-server at phi2.server.url; the local host is stopped (its memory is not needed). */
    private async connectServer(settings: Phi2Settings, attempt: number): Promise<void> {
        this.modelPath = settings.serverUrl;
        this.client.stop(); // the local host is not needed while a server answers
        const apiKey = await this.options.serverApiKey();
        if (attempt !== this.generation) return;
        if (!settings.serverUrl) {
            this.fail(new LlamaServerError("BAD_URL", 'phi2.backend is "server" but phi2.server.url is empty: set it to the llama-server address, e.g. http://127.0.0.1:8080.'));
            return;
        }
        let generator: ServerTextGenerator;
        try {
            generator = new ServerTextGenerator({ url: settings.serverUrl, apiKey, dedicatedKey: EXPLAIN_SEQUENCE_KEY, log: (level, message) => this.logAt(level, message) });
        } catch (error) {
            this.fail(error instanceof LlamaServerError ? error : new LlamaServerError("BAD_URL", String(error)));
            return;
        }
        const subscription = generator.connection.onDidChangeState((state) => this.onServerState(state));
        this.server = { generator, subscription };
        this.options.log.info(`Using the Phi-2 server at ${generator.connection.url}${apiKey ? " (with an API key)" : ""}; the prompt (code before the cursor) is sent there.`);
        this.setStatus({ kind: "starting" });
        await generator.connection.connect().catch(() => undefined); // reported through onServerState
    }

    private stopServer(): void {
        if (!this.server) return;
        this.server.subscription.dispose();
        this.server.generator.dispose();
        this.server = undefined;
    }

    private onServerState(state: ServerState): void {
        switch (state.kind) {
            case "connecting":
                break;
            case "ready":
                this.setStatus({ kind: "ready", info: serverModelInfo(state.info), server: state.info.url });
                break;
            case "retrying":
                this.setStatus({ kind: "restarting", attempt: state.attempt, delayMs: state.delayMs, reason: state.error.message });
                break;
            case "error":
                this.fail(state.error);
                break;
            case "stopped":
                break;
        }
    }

    private logAt(level: HostClientLogLevel, message: string): void {
        const log = this.options.log;
        ({ trace: log.trace, debug: log.debug, info: log.info, warn: log.warn, error: log.error })[level].call(log, message);
    }

    private createClient(): ModelHostClient {
        const log = this.options.log;
        const write: Record<HostClientLogLevel, (message: string) => void> = {
            trace: (message) => log.trace(message),
            debug: (message) => log.debug(message),
            info: (message) => log.info(message),
            warn: (message) => log.warn(message),
            error: (message) => log.error(message),
        };
        return new ModelHostClient({ hostScriptPath: this.options.hostScriptPath, log: (level, message) => write[level](message) });
    }

    private onHostState(state: HostState): void {
        // The status belongs to the llama-server while it is the backend (a local load may still be winding down).
        if (this.server) return;
        if (state.kind === "restarting") this.options.log.warn(`The model host crashed; restarting in ${state.delayMs} ms (attempt ${state.attempt}).`);
        // Load errors are reported by loadConfiguredModel(); this catches failures after a crash restart.
        if (state.kind === "error" && this.loadsInFlight === 0) this.fail(state.error);
        const status = statusOfHost(state, this.modelPath !== "", this.current.kind);
        if (status) this.setStatus(status);
    }

    /** Once per session: the GPU failed and the model runs on the CPU (slower, but it works). */
    private reportGpuFallback(reason: string): void {
        this.options.log.warn(`The GPU could not be used, the model runs on the CPU: ${reason}`);
        if (this.gpuFallbackReported) return;
        this.gpuFallbackReported = true;
        void vscode.window.showWarningMessage(`Phi-2 could not use the GPU and runs on the CPU instead (slower). ${reason}`, ACTION_LABELS.showLogs).then((picked) => {
            if (picked) this.options.runAction("showLogs");
        });
    }

    private fail(error: ModelHostError | LlamaServerError): void {
        this.options.log.error(`Model error ${error.code}: ${error.message}`);
        this.setStatus({ kind: "error", error, modelPath: this.modelPath });
        const report = describeModelError(error.code, error.message, this.modelPath);
        errorToasts.show(report.message, report.actions.map((action) => ({ title: ACTION_LABELS[action], run: () => this.options.runAction(action) })));
    }

    private setStatus(status: ModelStatus): void {
        const wasReady = this.current.kind === "ready";
        this.current = status;
        this.idleTimer.setIdleMs(status.kind === "ready" ? this.idleMinutes * 60_000 : 0);
        this.statusEmitter.fire(status);
        if (status.kind === "ready" && !wasReady) this.readyEmitter.fire(status.info);
    }
}

/** What decides which model is used (the backend in use and its settings), compared by value. */
function effectiveParamsKey(settings: Phi2Settings): string {
    if (settings.backend === "server") return JSON.stringify({ server: settings.serverUrl });
    return settings.modelPath ? JSON.stringify(toLoadParams(settings)) : "";
}

/** A llama-server's model as the status bar and the engine see a loaded model. */
function serverModelInfo(info: ServerInfo): ModelInfo {
    return {
        modelPath: info.modelPath,
        architecture: "phi2",
        trainContextSize: info.trainContextSize ?? info.slotContextSize,
        contextSize: info.slotContextSize,
        sequences: info.slots,
        vocabularySize: PHI2_VOCAB_SIZE,
        gpu: "server",
        threads: 0,
        loadMs: 0,
    };
}

// The extension's (and the CLI's and benchmarks') model host client: one object for as long as
// the model is wanted, over a succession of host processes (HostConnection, one each). It owns the
// state the editor shows, restarts a crashed host with backoff (reloading the model it had), gives
// up on a host that keeps crashing (vscode-languageclient's policy: 5 crashes in 3 minutes), never
// restarts into a crash it cannot fix (a native crash while loading, a host from another build, a
// host that never started), and restarts on request (Restart Model).
// No `vscode` here: the editor layer wraps this class.
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../core/textGenerator";
import type { GenerationResult } from "../core/types";
import type { HostMethod, HostMethods, HostStats, LoadParams, LogLevel, ModelInfo } from "../protocol/modelHostProtocol";
import { HostConnection, type HostExit, type HostLogger, type RequestOptions } from "./HostConnection";
import { ModelHostError } from "./ModelHostError";
import { errorText } from "../core/errorText";

export { ModelHostError, type ClientErrorCode } from "./ModelHostError";

export type HostState =
    | { readonly kind: "stopped" }
    | { readonly kind: "starting" }
    | { readonly kind: "loading"; readonly progress: number }
    | { readonly kind: "ready"; readonly info: ModelInfo }
    | { readonly kind: "error"; readonly error: ModelHostError }
    | { readonly kind: "restarting"; readonly attempt: number; readonly delayMs: number };

/** The protocol's log levels (the host's own lines are forwarded at theirs). */
export type HostClientLogLevel = LogLevel;
export type HostClientLogger = HostLogger;

export interface RestartPolicy {
    /** Restart after an unexpected exit (default true). */
    readonly enabled?: boolean;
    /** First delay; doubles per consecutive crash (default 500 ms). */
    readonly initialDelayMs?: number;
    /** Upper bound of the delay (default 30 s). */
    readonly maxDelayMs?: number;
    /** A host that stayed up this long counts as healthy: the next crash starts from the first delay again (default 60 s). */
    readonly healthyAfterMs?: number;
    /** Give up after this many crashes within crashWindowMs (default 5, as vscode-languageclient). */
    readonly maxCrashes?: number;
    /** The window of maxCrashes (default 3 minutes). */
    readonly crashWindowMs?: number;
}

export interface ModelHostClientOptions {
    /** Absolute path of the built host, dist/modelHost.mjs. */
    readonly hostScriptPath: string;
    readonly log?: HostClientLogger;
    readonly restart?: RestartPolicy;
    /** Extra environment for the host process. */
    readonly env?: NodeJS.ProcessEnv;
    /** How long to wait for the host's `ready` message (default 20 s). */
    readonly startTimeoutMs?: number;
    /** Silence after which a ready host is killed as hung (default 15 s). */
    readonly hangTimeoutMs?: number;
    /** A request without progress or answer this long kills the host (default 120 s; loads 600 s). */
    readonly requestStallMs?: number;
}

export interface Disposable {
    dispose(): void;
}

export class ModelHostClient implements TextGenerator {
    /** The host process in use; a new one after each restart. */
    private connection: HostConnection | undefined;
    private currentState: HostState = { kind: "stopped" };
    private readonly listeners = new Set<(state: HostState) => void>();
    private rememberedLoad: LoadParams | undefined;
    /** The automatic reload after a crash restart, while it runs. */
    private reload: { readonly params: LoadParams; readonly promise: Promise<ModelInfo> } | undefined;
    private consecutiveCrashes = 0;
    /** When recent crashes happened, for the crash-loop limit. */
    private crashTimes: number[] = [];
    /** The backoff before the next automatic restart, while it runs. */
    private scheduledRestart: { readonly timer: ReturnType<typeof setTimeout>; readonly fail: (error: Error) => void } | undefined;
    /** Resolves when the current (re)start attempt has a live host, or rejects. */
    private starting: Promise<void> | undefined;
    private disposed = false;
    private readonly log: HostClientLogger;
    private readonly restartPolicy: Required<RestartPolicy>;

    constructor(private readonly options: ModelHostClientOptions) {
        this.log = options.log ?? (() => undefined);
        this.restartPolicy = {
            enabled: options.restart?.enabled ?? true,
            initialDelayMs: options.restart?.initialDelayMs ?? 500,
            maxDelayMs: options.restart?.maxDelayMs ?? 30_000,
            healthyAfterMs: options.restart?.healthyAfterMs ?? 60_000,
            maxCrashes: options.restart?.maxCrashes ?? 5,
            crashWindowMs: options.restart?.crashWindowMs ?? 180_000,
        };
    }

    get state(): HostState {
        return this.currentState;
    }

    /** Process id of the running host, if any. */
    get pid(): number | undefined {
        return this.connection?.pid;
    }

    /** Requests sent and not yet answered (the soak test checks none is left behind). */
    get pendingRequests(): number {
        return this.connection?.pendingRequests ?? 0;
    }

    onDidChangeState(listener: (state: HostState) => void): Disposable {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    /** Starts the host process (idempotent); resolves when it is ready for requests. */
    start(): Promise<void> {
        if (this.disposed) return Promise.reject(new ModelHostError("HOST_UNAVAILABLE", "The model host client was disposed."));
        if (this.connection && !this.connection.isExited) return this.connection.ready;
        if (this.starting) return this.starting;
        // A load() waiting for the start already shows "loading".
        if (this.currentState.kind !== "loading") this.setState({ kind: "starting" });
        const attempt = this.connect().ready;
        this.starting = attempt;
        attempt.then(
            () => {
                if (this.starting === attempt) this.starting = undefined;
                if (this.currentState.kind === "starting") this.setState({ kind: "stopped" });
            },
            () => {
                if (this.starting === attempt) this.starting = undefined;
            },
        );
        return attempt;
    }

    /** Loads a model; the parameters are remembered and loaded again after a crash restart. */
    async load(params: LoadParams, onProgress?: (loadProgress: number) => void): Promise<ModelInfo> {
        this.rememberedLoad = params;
        if (this.currentState.kind !== "restarting") this.setState({ kind: "loading", progress: 0 });
        await this.start();
        if (this.reload?.params === params) return this.reload.promise;
        return this.loadRemembered(params, onProgress);
    }

    /**
     * Restart Model: ends the current host whatever it is doing, forgets the crash history (a
     * crash loop's error included), starts a fresh host and loads `params`, or the model it had.
     * Without a model to load it only ends the host; the next load starts one.
     */
    restart(params: LoadParams): Promise<ModelInfo>;
    restart(): Promise<ModelInfo | undefined>;
    async restart(params?: LoadParams): Promise<ModelInfo | undefined> {
        if (this.disposed) throw new ModelHostError("HOST_UNAVAILABLE", "The model host client was disposed.");
        const load = params ?? this.rememberedLoad;
        this.endConnection(new ModelHostError("HOST_UNAVAILABLE", "The model host was restarted."));
        this.consecutiveCrashes = 0;
        this.crashTimes = [];
        this.log("info", "Restarting the model host on request.");
        if (!load) {
            this.setState({ kind: "stopped" });
            return undefined;
        }
        return this.load(load);
    }

    /**
     * Ends the host process and forgets the model (no model configured, the server backend, an
     * idle unload): all its memory goes back to the system, and the next load() forks a new host.
     * Pending requests are rejected with HOST_UNAVAILABLE.
     */
    stop(): void {
        if (this.disposed) return;
        this.rememberedLoad = undefined;
        this.endConnection(new ModelHostError("HOST_UNAVAILABLE", "The model host was stopped."));
        this.setState({ kind: "stopped" });
    }

    generate(options: GenerateOptions): Promise<GenerationResult> {
        const { signal, onText, onPrefillProgress, onKeyEvicted, ...rest } = options;
        const params = {
            sequenceKey: rest.sequenceKey,
            prompt: rest.prompt,
            maxTokens: rest.maxTokens,
            timeCapMs: rest.timeCapMs,
            temperature: rest.temperature,
            seed: rest.seed,
            stopStrings: rest.stopStrings,
            priority: rest.priority,
        };
        let stoppedByCaller = false;
        return this.request("generate", params, {
            signal,
            onProgress: (progress, cancel) => {
                if ("prefill" in progress) {
                    onPrefillProgress?.(progress.prefill);
                    return;
                }
                if ("evictedKey" in progress) {
                    onKeyEvicted?.(progress.evictedKey);
                    return;
                }
                if (stoppedByCaller) return;
                const keepGoing = onText?.(progress.text);
                if (keepGoing === false) {
                    stoppedByCaller = true;
                    cancel("stop");
                }
            },
        });
    }

    async prefill(options: PrefillOptions): Promise<PrefillResult> {
        const result = await this.request("prefill", { sequenceKey: options.sequenceKey, prompt: options.prompt, priority: options.priority }, {
            signal: options.signal,
            onProgress: (progress) => {
                if ("evictedKey" in progress) options.onKeyEvicted?.(progress.evictedKey);
                else options.onPrefillProgress?.(progress.prefill);
            },
        });
        return { completed: result.completed, counters: result.counters };
    }

    /** Number of tokens the loaded model's tokenizer makes of `text`. */
    async countTokens(text: string): Promise<number> {
        return (await this.request("tokenize", { text })).tokens;
    }

    stats(): Promise<HostStats> {
        return this.request("stats", {});
    }

    /** Stops the host for good and rejects whatever is pending. */
    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        this.endConnection(new ModelHostError("HOST_UNAVAILABLE", "The model host was stopped."));
        this.setState({ kind: "stopped" });
        this.listeners.clear();
    }

    /** Kills the current host and cancels a scheduled restart; their waiters get `error`. */
    private endConnection(error: ModelHostError): void {
        if (this.scheduledRestart) {
            clearTimeout(this.scheduledRestart.timer);
            this.scheduledRestart.fail(error);
            this.scheduledRestart = undefined;
        }
        this.starting = undefined;
        this.reload = undefined;
        const connection = this.connection;
        this.connection = undefined;
        connection?.close(error);
    }

    private async loadRemembered(params: LoadParams, onProgress?: (loadProgress: number) => void): Promise<ModelInfo> {
        const connection = this.connection;
        this.setState({ kind: "loading", progress: 0 });
        try {
            const info = await this.request("load", params, {
                onProgress: (progress) => {
                    onProgress?.(progress.loadProgress);
                    if (this.currentState.kind === "loading" && this.connection === connection) this.setState({ kind: "loading", progress: progress.loadProgress });
                },
            });
            if (this.rememberedLoad === params && this.connection === connection) this.setState({ kind: "ready", info });
            return info;
        } catch (error) {
            const hostError = error instanceof ModelHostError ? error : new ModelHostError("INTERNAL", String(error));
            // A crash during the load is reported by the restart logic instead, and a load on a
            // host that was replaced (Restart Model) says nothing about the new one.
            if (hostError.code !== "HOST_EXITED" && this.connection === connection) this.setState({ kind: "error", error: hostError });
            throw hostError;
        }
    }

    private request<M extends HostMethod>(method: M, params: HostMethods[M]["params"], options: RequestOptions<M> = {}): Promise<HostMethods[M]["result"]> {
        const connection = this.connection;
        if (this.disposed || !connection || connection.isExited) {
            const why = this.currentState.kind === "restarting" ? "is restarting after a crash" : "is not running";
            return Promise.reject(new ModelHostError("HOST_UNAVAILABLE", `The model host ${why}.`));
        }
        return connection.request(method, params, options);
    }

    private connect(): HostConnection {
        const connection: HostConnection = new HostConnection({
            hostScriptPath: this.options.hostScriptPath,
            log: this.log,
            env: this.options.env,
            startTimeoutMs: this.options.startTimeoutMs,
            hangTimeoutMs: this.options.hangTimeoutMs,
            requestStallMs: this.options.requestStallMs,
            onExit: (exit) => {
                if (this.connection === connection) this.onConnectionExit(exit);
            },
        });
        this.connection = connection;
        return connection;
    }

    private onConnectionExit(exit: HostExit): void {
        this.connection = undefined;
        if (this.disposed) return;
        this.log("error", `Model host exited unexpectedly (${exit.description}).`);
        const code = exit.error.code;
        // A host that never got ready (or is from another build), or a file llama.cpp crashes on:
        // starting the same thing again would fail the same way.
        if (!exit.wasReady || code === "MODEL_CRASHED" || !this.restartPolicy.enabled) {
            this.setState({ kind: "error", error: exit.error });
            return;
        }
        const now = Date.now();
        this.crashTimes = [...this.crashTimes.filter((time) => now - time < this.restartPolicy.crashWindowMs), now];
        if (this.crashTimes.length >= this.restartPolicy.maxCrashes) {
            this.setState({ kind: "error", error: crashLoopError(this.crashTimes.length, this.restartPolicy.crashWindowMs, exit.description) });
            this.crashTimes = [];
            return;
        }
        if (now - exit.startedAt >= this.restartPolicy.healthyAfterMs) this.consecutiveCrashes = 0;
        this.consecutiveCrashes++;
        const delayMs = Math.min(this.restartPolicy.initialDelayMs * 2 ** (this.consecutiveCrashes - 1), this.restartPolicy.maxDelayMs);
        this.setState({ kind: "restarting", attempt: this.consecutiveCrashes, delayMs });
        this.log("info", `Restarting the model host in ${delayMs} ms (attempt ${this.consecutiveCrashes}).`);
        this.scheduleRestart(delayMs);
    }

    /** Starts a new host after `delayMs` and reloads the remembered model on it. */
    private scheduleRestart(delayMs: number): void {
        const { promise: restarted, resolve: finishRestart, reject: failRestart } = settleLater();
        this.starting = restarted;
        const timer = setTimeout(() => {
            this.scheduledRestart = undefined;
            this.setState({ kind: "starting" });
            this.connect().ready.then(
                () => {
                    if (this.starting === restarted) this.starting = undefined;
                    this.reloadAfterRestart();
                    finishRestart();
                },
                (error: Error) => {
                    if (this.starting === restarted) this.starting = undefined;
                    failRestart(error);
                    // No further attempt: the failed host never sent `ready`, so its exit handler
                    // reports an error state (a host that cannot start will not start on retry).
                },
            );
        }, delayMs);
        this.scheduledRestart = { timer, fail: failRestart };
    }

    private reloadAfterRestart(): void {
        const params = this.rememberedLoad;
        if (!params) {
            this.setState({ kind: "stopped" });
            return;
        }
        // Registered before the restart promise resolves, so a load() that waited for the restart
        // joins this reload instead of loading a second time.
        const reload = this.loadRemembered(params);
        this.reload = { params, promise: reload };
        reload.then(
            () => this.log("info", "Model host restarted and the model reloaded."),
            (error: unknown) => this.log("error", `Reloading the model after a restart failed: ${errorText(error)}`),
        ).finally(() => {
            if (this.reload?.promise === reload) this.reload = undefined;
        });
    }

    private setState(state: HostState): void {
        this.currentState = state;
        for (const listener of [...this.listeners]) {
            try {
                listener(state);
            } catch (error) {
                this.log("warn", `A host state listener threw: ${errorText(error)}`);
            }
        }
    }
}

/** The host kept crashing: it is not started again until the user asks. */
function crashLoopError(crashes: number, windowMs: number, lastExit: string): ModelHostError {
    const minutes = Math.round(windowMs / 60_000);
    return new ModelHostError(
        "HOST_CRASH_LOOP",
        `The model host stopped ${crashes} times in ${minutes} minute${minutes === 1 ? "" : "s"} (last: ${lastExit}); it is not restarted again. Run Restart Model to try again, and see Show Logs for the cause.`,
    );
}

/**
 * A promise settled from outside (a scheduled restart). Callers that never await it must not
 * cause unhandled rejections, so a rejection is also caught here.
 */
function settleLater(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
    let resolve: () => void = () => undefined;
    let reject: (error: Error) => void = () => undefined;
    const promise = new Promise<void>((onResolve, onReject) => {
        resolve = onResolve;
        reject = onReject;
    });
    promise.catch(() => undefined);
    return { promise, resolve, reject };
}

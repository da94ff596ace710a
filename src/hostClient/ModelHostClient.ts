// The extension's (and the CLI's and benchmarks') side of the model host: forks the host process,
// speaks protocol.ts with request ids, routes streamed progress, turns AbortSignals into cancel
// messages, and restarts a crashed host with backoff (reloading the model it had). A host that
// stops answering (no heartbeat) is killed and replaced; a host that keeps crashing is given up on
// (vscode-languageclient's policy: 5 crashes in 3 minutes), and a native crash while loading names
// the file instead of restarting into the same crash.
// No `vscode` here: the editor layer wraps this class.
import { fork, type ChildProcess } from "node:child_process";
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../core/textGenerator";
import type { GenerationResult } from "../core/types";
import {
    HEARTBEAT_INTERVAL_MS,
    PROTOCOL_VERSION,
    type CancelMessage,
    type CancelReason,
    type HostErrorCode,
    type HostMessage,
    type HostMethod,
    type HostMethods,
    type HostStats,
    type LoadParams,
    type LogLevel,
    type ModelInfo,
    type RequestMessageOf,
} from "../protocol/modelHostProtocol";

/** Node startup plus importing the host bundle, on a busy machine: far below this when healthy. */
const DEFAULT_START_TIMEOUT_MS = 20_000;

/**
 * Silence after which a ready host counts as hung. Heartbeats come every second from the host's
 * main thread, which llama.cpp never blocks for long (decoding runs on worker threads); this
 * leaves room for a machine so overloaded that timers run seconds late.
 */
const DEFAULT_HANG_TIMEOUT_MS = 15_000;

/**
 * A request that gets neither progress nor an answer for this long is stuck in llama.cpp (a decode
 * that never returns, while the host's main thread still sends heartbeats): the host is killed.
 * A whole 2,048-token prefill of the real Phi-2 on a slow laptop CPU stays well below it.
 */
const DEFAULT_REQUEST_STALL_MS = 120_000;
/** Loading reads gigabytes from a possibly slow disk: it gets longer between progress reports. */
const DEFAULT_LOAD_STALL_MS = 600_000;

/** Signals of a native crash (an assertion, a bad access), as opposed to a kill from outside. */
const NATIVE_CRASH_SIGNALS: ReadonlySet<string> = new Set(["SIGABRT", "SIGSEGV", "SIGILL", "SIGBUS", "SIGFPE", "SIGTRAP"]);

export type ClientErrorCode =
    | HostErrorCode
    | "HOST_EXITED"
    | "HOST_UNAVAILABLE"
    /** The host crashed too often in a short time and is not restarted again. */
    | "HOST_CRASH_LOOP"
    /** llama.cpp crashed the host while loading the model file. */
    | "MODEL_CRASHED";

export class ModelHostError extends Error {
    constructor(
        readonly code: ClientErrorCode,
        message: string,
    ) {
        super(message);
        this.name = "ModelHostError";
    }
}

export type HostState =
    | { readonly kind: "stopped" }
    | { readonly kind: "starting" }
    | { readonly kind: "loading"; readonly progress: number }
    | { readonly kind: "ready"; readonly info: ModelInfo }
    | { readonly kind: "error"; readonly error: ModelHostError }
    | { readonly kind: "restarting"; readonly attempt: number; readonly delayMs: number };

/** The protocol's log levels (the host's own lines are forwarded at theirs). */
export type HostClientLogLevel = LogLevel;
export type HostClientLogger = (level: LogLevel, message: string) => void;

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
    /** How long to wait for the host's `ready` message (default DEFAULT_START_TIMEOUT_MS, 20 s). */
    readonly startTimeoutMs?: number;
    /** Silence after which a ready host is killed as hung (default DEFAULT_HANG_TIMEOUT_MS, 15 s). */
    readonly hangTimeoutMs?: number;
    /** A request without progress or answer this long kills the host (default 120 s; loads 600 s). */
    readonly requestStallMs?: number;
}

export interface Disposable {
    dispose(): void;
}

interface PendingRequest {
    readonly method: HostMethod;
    readonly resolve: (result: unknown) => void;
    readonly reject: (error: Error) => void;
    readonly onProgress?: (progress: unknown) => void;
}

interface HostProcess {
    readonly child: ChildProcess;
    readonly startedAt: number;
    /** Resolves on the host's `ready` message. */
    readonly ready: Promise<void>;
    wasReady: boolean;
    exited: boolean;
    /** When the host last sent anything (heartbeats included). */
    lastHeardAt: number;
    /** Set when the client killed it for not answering. */
    hung: boolean;
}

export class ModelHostClient implements TextGenerator {
    private host: HostProcess | undefined;
    private readonly pending = new Map<number, PendingRequest>();
    private nextId = 1;
    private currentState: HostState = { kind: "stopped" };
    private readonly listeners = new Set<(state: HostState) => void>();
    private rememberedLoad: LoadParams | undefined;
    /** The automatic reload after a crash restart, while it runs. */
    private reload: { readonly params: LoadParams; readonly promise: Promise<ModelInfo> } | undefined;
    private consecutiveCrashes = 0;
    /** When recent crashes happened, for the crash-loop limit. */
    private crashTimes: number[] = [];
    private restartTimer: ReturnType<typeof setTimeout> | undefined;
    /** Resolves when the current (re)start attempt has a live host, or rejects. */
    private starting: Promise<void> | undefined;
    private disposed = false;
    private readonly log: HostClientLogger;
    private readonly restart: Required<RestartPolicy>;

    constructor(private readonly options: ModelHostClientOptions) {
        this.log = options.log ?? (() => undefined);
        this.restart = {
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
        return this.host && !this.host.exited ? this.host.child.pid : undefined;
    }

    /** Requests sent and not yet answered (the soak test checks none is left behind). */
    get pendingRequests(): number {
        return this.pending.size;
    }

    onDidChangeState(listener: (state: HostState) => void): Disposable {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    /** Starts the host process (idempotent); resolves when it is ready for requests. */
    start(): Promise<void> {
        if (this.disposed) return Promise.reject(new ModelHostError("HOST_UNAVAILABLE", "The model host client was disposed."));
        if (this.host && !this.host.exited) return this.host.ready;
        if (this.starting) return this.starting;
        // A load() waiting for the start already shows "loading".
        if (this.currentState.kind !== "loading") this.setState({ kind: "starting" });
        const attempt = this.spawn().ready;
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

    async unload(): Promise<void> {
        this.rememberedLoad = undefined;
        if (!this.host || this.host.exited) return;
        await this.request("unload", {});
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
        if (this.restartTimer) clearTimeout(this.restartTimer);
        const host = this.host;
        this.host = undefined;
        this.rejectAllPending(new ModelHostError("HOST_UNAVAILABLE", "The model host was stopped."));
        // SIGKILL: a stopped or hung host would never act on SIGTERM, and it holds nothing to save.
        if (host && !host.exited) host.child.kill("SIGKILL");
        this.setState({ kind: "stopped" });
        this.listeners.clear();
    }

    private async loadRemembered(params: LoadParams, onProgress?: (loadProgress: number) => void): Promise<ModelInfo> {
        this.setState({ kind: "loading", progress: 0 });
        try {
            const info = await this.request("load", params, {
                onProgress: (progress) => {
                    onProgress?.(progress.loadProgress);
                    if (this.currentState.kind === "loading") this.setState({ kind: "loading", progress: progress.loadProgress });
                },
            });
            if (this.rememberedLoad === params) this.setState({ kind: "ready", info });
            return info;
        } catch (error) {
            const hostError = error instanceof ModelHostError ? error : new ModelHostError("INTERNAL", String(error));
            // A crash during the load is reported by the restart logic instead.
            if (hostError.code !== "HOST_EXITED") this.setState({ kind: "error", error: hostError });
            throw hostError;
        }
    }

    private request<M extends HostMethod>(
        method: M,
        params: HostMethods[M]["params"],
        options: {
            signal?: AbortSignal;
            onProgress?: (progress: HostMethods[M]["progress"], cancel: (reason: CancelReason) => void) => void;
        } = {},
    ): Promise<HostMethods[M]["result"]> {
        const host = this.host;
        if (this.disposed || !host || host.exited) {
            const why = this.currentState.kind === "restarting" ? "is restarting after a crash" : "is not running";
            return Promise.reject(new ModelHostError("HOST_UNAVAILABLE", `The model host ${why}.`));
        }
        const id = this.nextId++;
        const { signal } = options;
        let cancelSent = false;
        const cancel = (reason: CancelReason): void => {
            if (cancelSent || !this.pending.has(id)) return;
            cancelSent = true;
            this.send(host, { kind: "cancel", id, reason });
        };
        const onAbort = (): void => cancel("cancel");
        const stallMs = method === "load" ? this.options.requestStallMs ?? DEFAULT_LOAD_STALL_MS : this.options.requestStallMs ?? DEFAULT_REQUEST_STALL_MS;
        let stallTimer: ReturnType<typeof setTimeout> | undefined;
        const watchStall = (): void => {
            if (stallTimer) clearTimeout(stallTimer);
            stallTimer = setTimeout(() => this.killStuckHost(host, method, stallMs), stallMs);
            stallTimer.unref?.();
        };
        const settle = (): void => {
            if (stallTimer) clearTimeout(stallTimer);
            signal?.removeEventListener("abort", onAbort);
        };
        watchStall();
        return new Promise<HostMethods[M]["result"]>((resolve, reject) => {
            this.pending.set(id, {
                method,
                resolve: (result) => {
                    settle();
                    resolve(result as HostMethods[M]["result"]);
                },
                reject: (error) => {
                    settle();
                    reject(error);
                },
                onProgress: (progress) => {
                    watchStall();
                    options.onProgress?.(progress as HostMethods[M]["progress"], cancel);
                },
            });
            const message: RequestMessageOf<M> = { kind: "request", id, method, params };
            this.send(host, message);
            if (signal?.aborted) onAbort();
            else signal?.addEventListener("abort", onAbort, { once: true });
        });
    }

    /** A request got no answer for `stallMs` although the host still beats: llama.cpp is stuck. */
    private killStuckHost(host: HostProcess, method: HostMethod, stallMs: number): void {
        if (host.exited) return;
        const modelPath = this.rememberedLoad?.modelPath;
        this.log("error", `A ${method} request got no answer for ${Math.round(stallMs / 1000)} s${modelPath ? ` (model ${modelPath})` : ""}: killing the stuck model host.`);
        host.hung = true;
        host.child.kill("SIGKILL");
    }

    private send(host: HostProcess, message: RequestMessageOf<HostMethod> | CancelMessage): void {
        if (host.exited || !host.child.connected) return;
        host.child.send(message, (error) => {
            if (error) this.log("warn", `Could not send ${message.kind} to the model host: ${error.message}`);
        });
    }

    private spawn(): HostProcess {
        const child = fork(this.options.hostScriptPath, [], {
            // Not the parent's flags (e.g. a test runner's loaders): the host is a plain built ESM file.
            execArgv: [],
            serialization: "json",
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            // In Electron-based editors, fork() runs the editor binary: make it behave as Node.
            env: { ...process.env, ...this.options.env, ELECTRON_RUN_AS_NODE: "1" },
        });
        const { promise: ready, resolve: markReady, reject: failStart } = settleLater();
        const host: HostProcess = { child, startedAt: Date.now(), ready, wasReady: false, exited: false, lastHeardAt: Date.now(), hung: false };
        this.host = host;
        const startTimeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
        const startTimer = setTimeout(() => {
            failStart(new ModelHostError("HOST_UNAVAILABLE", `The model host did not start within ${startTimeoutMs} ms.`));
            child.kill("SIGKILL");
        }, startTimeoutMs);
        startTimer.unref?.();

        const forwardOutput = (level: LogLevel) => (chunk: Buffer) => {
            for (const line of chunk.toString("utf8").split(/\r?\n/)) if (line.trim()) this.log(level, `[host] ${line}`);
        };
        child.stdout?.on("data", forwardOutput("info"));
        child.stderr?.on("data", forwardOutput("warn"));
        const hangTimeoutMs = this.options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS;
        const hangCheck = setInterval(() => {
            if (!host.wasReady || host.exited || Date.now() - host.lastHeardAt < hangTimeoutMs) return;
            this.log("error", `The model host (pid ${child.pid}) sent nothing for ${hangTimeoutMs} ms: killing it as hung.`);
            host.hung = true;
            child.kill("SIGKILL");
        }, Math.min(HEARTBEAT_INTERVAL_MS, hangTimeoutMs));
        hangCheck.unref?.();
        child.on("message", (message: HostMessage) => {
            host.lastHeardAt = Date.now();
            if (this.host !== host) return;
            this.onHostMessage(message, () => {
                clearTimeout(startTimer);
                host.wasReady = true;
                markReady();
            });
        });
        child.on("error", (error) => {
            this.log("error", `Model host process error: ${error.message}`);
            failStart(new ModelHostError("HOST_UNAVAILABLE", `The model host could not start: ${error.message}`));
        });
        child.on("exit", (code, signal) => {
            clearTimeout(startTimer);
            clearInterval(hangCheck);
            host.exited = true;
            failStart(new ModelHostError("HOST_EXITED", `The model host exited before it was ready (code ${code}, signal ${signal}).`));
            if (this.host === host) this.onHostExit(host, code, signal);
        });
        this.log("info", `Model host started (pid ${child.pid}).`);
        return host;
    }

    private onHostMessage(message: HostMessage, onReady: () => void): void {
        switch (message.kind) {
            case "ready":
                if (message.protocolVersion !== PROTOCOL_VERSION) {
                    this.log("warn", `Model host speaks protocol ${message.protocolVersion}, expected ${PROTOCOL_VERSION}.`);
                }
                onReady();
                break;
            case "response": {
                const request = this.pending.get(message.id);
                if (!request) return;
                this.pending.delete(message.id);
                if (message.ok) request.resolve(message.result);
                else request.reject(new ModelHostError(message.error.code, message.error.message));
                break;
            }
            case "progress":
                this.pending.get(message.id)?.onProgress?.(message.progress);
                break;
            case "log":
                this.log(message.level, `[host] ${message.message}`);
                break;
            case "heartbeat":
                break;
        }
    }

    private onHostExit(host: HostProcess, code: number | null, signal: NodeJS.Signals | null): void {
        this.host = undefined;
        const description = host.hung ? "it stopped answering and was killed" : signal ? `signal ${signal}` : `code ${code}`;
        const wasLoading = [...this.pending.values()].some((request) => request.method === "load");
        const modelPath = this.rememberedLoad?.modelPath;
        const nativeLoadCrash = wasLoading && modelPath !== undefined && signal !== null && NATIVE_CRASH_SIGNALS.has(signal);
        const exitError = host.hung
            ? new ModelHostError("HOST_EXITED", `The model host stopped answering and was killed${modelPath ? ` (model ${modelPath})` : ""}.`)
            : new ModelHostError("HOST_EXITED", `The model host exited (${description}).`);
        // Loading the same file again would crash again: the load fails with the file and what to do.
        const loadCrash = nativeLoadCrash ? modelCrashError(modelPath, signal) : undefined;
        this.rejectAllPending(loadCrash ?? exitError);
        if (this.disposed) return;
        this.log("error", `Model host (pid ${host.child.pid}) exited unexpectedly (${description}).`);
        if (!host.wasReady) {
            // It never got as far as `ready`: a broken install, which restarting will not fix.
            this.setState({ kind: "error", error: new ModelHostError("HOST_UNAVAILABLE", `The model host could not start (${description}); see the log for its output.`) });
            return;
        }
        if (loadCrash) {
            this.setState({ kind: "error", error: loadCrash });
            return;
        }
        if (!this.restart.enabled) {
            this.setState({ kind: "error", error: exitError });
            return;
        }
        const now = Date.now();
        this.crashTimes = [...this.crashTimes.filter((time) => now - time < this.restart.crashWindowMs), now];
        if (this.crashTimes.length >= this.restart.maxCrashes) {
            const minutes = Math.round(this.restart.crashWindowMs / 60_000);
            this.setState({
                kind: "error",
                error: new ModelHostError(
                    "HOST_CRASH_LOOP",
                    `The model host stopped ${this.crashTimes.length} times in ${minutes} minute${minutes === 1 ? "" : "s"} (last: ${description}); it is not restarted again. Run Restart Model to try again, and see Show Logs for the cause.`,
                ),
            });
            this.crashTimes = [];
            return;
        }
        if (now - host.startedAt >= this.restart.healthyAfterMs) this.consecutiveCrashes = 0;
        this.consecutiveCrashes++;
        const delayMs = Math.min(this.restart.initialDelayMs * 2 ** (this.consecutiveCrashes - 1), this.restart.maxDelayMs);
        this.setState({ kind: "restarting", attempt: this.consecutiveCrashes, delayMs });
        this.log("info", `Restarting the model host in ${delayMs} ms (attempt ${this.consecutiveCrashes}).`);
        const { promise: restarted, resolve: finishRestart, reject: failRestart } = settleLater();
        this.starting = restarted;
        this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            if (this.disposed) return failRestart(new ModelHostError("HOST_UNAVAILABLE", "The model host client was disposed."));
            this.setState({ kind: "starting" });
            const next = this.spawn();
            next.ready.then(
                () => {
                    if (this.starting === restarted) this.starting = undefined;
                    const params = this.rememberedLoad;
                    if (params) {
                        // Registered before the restart promise resolves, so a load() that waited
                        // for the restart joins this reload instead of loading a second time.
                        const reload = this.loadRemembered(params);
                        this.reload = { params, promise: reload };
                        reload.then(
                            () => this.log("info", "Model host restarted and the model reloaded."),
                            (error: unknown) => this.log("error", `Reloading the model after a restart failed: ${error instanceof Error ? error.message : String(error)}`),
                        ).finally(() => {
                            if (this.reload?.promise === reload) this.reload = undefined;
                        });
                    } else {
                        this.setState({ kind: "stopped" });
                    }
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
    }

    private rejectAllPending(error: ModelHostError): void {
        const pending = [...this.pending.values()];
        this.pending.clear();
        for (const request of pending) request.reject(error);
    }

    private setState(state: HostState): void {
        this.currentState = state;
        for (const listener of [...this.listeners]) {
            try {
                listener(state);
            } catch (error) {
                this.log("warn", `A host state listener threw: ${error instanceof Error ? error.message : String(error)}`);
            }
        }
    }
}

/** The report of a native crash while loading a file: llama.cpp could not cope with it. */
function modelCrashError(modelPath: string, signal: string): ModelHostError {
    return new ModelHostError(
        "MODEL_CRASHED",
        `llama.cpp crashed (${signal}) while loading the model file ${modelPath}. The file is probably corrupt or not a Phi-2 GGUF that llama.cpp supports: download it again or select another file. Show Logs has llama.cpp's last messages.`,
    );
}

/**
 * A promise settled from outside (a host's start, a restart). Callers that never await it must not
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

// One model host child process and nothing more: forks it, checks its handshake (the protocol
// version), numbers requests and routes their answers and progress, turns AbortSignals into cancel
// messages, kills it when it hangs (no heartbeat) or a request stalls, and reports its exit once,
// with the error its pending requests got. It never restarts anything: ModelHostClient decides that.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import {
    HEARTBEAT_INTERVAL_MS,
    PROTOCOL_VERSION,
    type CancelMessage,
    type CancelReason,
    type HostMessage,
    type HostMethod,
    type HostMethods,
    type LogLevel,
    type RequestMessageOf,
} from "../protocol/modelHostProtocol";
import { brokenInstallError, modelCrashError, ModelHostError, versionMismatchError } from "./ModelHostError";

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

export type HostLogger = (level: LogLevel, message: string) => void;

export interface HostConnectionOptions {
    /** Absolute path of the built host, dist/modelHost.mjs. */
    readonly hostScriptPath: string;
    readonly log: HostLogger;
    /** Extra environment for the host process. */
    readonly env?: NodeJS.ProcessEnv;
    /** How long to wait for the host's `ready` message (default 20 s). */
    readonly startTimeoutMs?: number;
    /** Silence after which a ready host is killed as hung (default 15 s). */
    readonly hangTimeoutMs?: number;
    /** A request without progress or answer this long kills the host (default 120 s; loads 600 s). */
    readonly requestStallMs?: number;
    /** Called once when the process is gone, unless close() ended it. */
    readonly onExit: (exit: HostExit) => void;
}

/** How a host process ended. */
export interface HostExit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    /** It completed the handshake (a host that never did will not do better on a restart). */
    readonly wasReady: boolean;
    /** When it started, for the supervisor's "stayed up long enough to count as healthy". */
    readonly startedAt: number;
    /** A short description for the log: "code 3", "signal SIGKILL", "it stopped answering and was killed". */
    readonly description: string;
    /** What its pending requests (and its start, if it was not ready) were rejected with. */
    readonly error: ModelHostError;
}

export interface RequestOptions<M extends HostMethod> {
    readonly signal?: AbortSignal;
    readonly onProgress?: (progress: HostMethods[M]["progress"], cancel: (reason: CancelReason) => void) => void;
}

interface PendingRequest {
    readonly method: HostMethod;
    /** The file a load request reads (named when llama.cpp crashes on it). */
    readonly modelPath?: string;
    readonly resolve: (result: unknown) => void;
    readonly reject: (error: Error) => void;
    readonly onProgress: (progress: unknown) => void;
}

export class HostConnection {
    /** Resolves on the host's handshake; rejects when it does not come or names another protocol. */
    readonly ready: Promise<void>;
    readonly startedAt = Date.now();
    private readonly child: ChildProcess | undefined;
    private readonly pending = new Map<number, PendingRequest>();
    private nextId = 1;
    private wasReady = false;
    private exited = false;
    /** Set when close() ended it: nobody is told about the exit. */
    private closed = false;
    /** When the host last sent anything (heartbeats included). */
    private lastHeardAt = Date.now();
    /** Why this side killed it (hung, stalled, wrong version, no handshake in time), if it did. */
    private killReason: ModelHostError | undefined;
    /** The model file of the last load sent (for the message when it hangs). */
    private modelPath: string | undefined;
    /** Set when this side killed it for not answering. */
    private hung = false;
    private markReady: () => void = () => undefined;
    private failStart: (error: Error) => void = () => undefined;
    private startTimer: ReturnType<typeof setTimeout> | undefined;
    private hangCheck: ReturnType<typeof setInterval> | undefined;

    constructor(private readonly options: HostConnectionOptions) {
        this.ready = new Promise<void>((resolve, reject) => {
            this.markReady = resolve;
            this.failStart = reject;
        });
        // A caller that never awaits the start must not cause an unhandled rejection.
        this.ready.catch(() => undefined);
        if (!existsSync(options.hostScriptPath)) {
            this.child = undefined;
            queueMicrotask(() => this.finish(null, null, brokenInstallError(options.hostScriptPath, "the file does not exist")));
            return;
        }
        this.child = this.spawn();
    }

    get pid(): number | undefined {
        return this.exited ? undefined : this.child?.pid;
    }

    get isExited(): boolean {
        return this.exited;
    }

    /** Requests sent and not yet answered. */
    get pendingRequests(): number {
        return this.pending.size;
    }

    /** Sends a request; rejects with the host's error, or with the exit's error when the process ends first. */
    request<M extends HostMethod>(method: M, params: HostMethods[M]["params"], options: RequestOptions<M> = {}): Promise<HostMethods[M]["result"]> {
        if (this.exited || !this.child) return Promise.reject(new ModelHostError("HOST_UNAVAILABLE", "The model host is not running."));
        const id = this.nextId++;
        const { signal } = options;
        let cancelSent = false;
        const cancel = (reason: CancelReason): void => {
            if (cancelSent || !this.pending.has(id)) return;
            cancelSent = true;
            this.send({ kind: "cancel", id, reason });
        };
        const onAbort = (): void => cancel("cancel");
        const stallMs = this.options.requestStallMs ?? (method === "load" ? DEFAULT_LOAD_STALL_MS : DEFAULT_REQUEST_STALL_MS);
        let stallTimer: ReturnType<typeof setTimeout> | undefined;
        const watchStall = (): void => {
            if (stallTimer) clearTimeout(stallTimer);
            stallTimer = setTimeout(() => this.killStuck(method, stallMs), stallMs);
            stallTimer.unref?.();
        };
        const settle = (): void => {
            if (stallTimer) clearTimeout(stallTimer);
            signal?.removeEventListener("abort", onAbort);
        };
        if (method === "load") this.modelPath = (params as HostMethods["load"]["params"]).modelPath;
        watchStall();
        return new Promise<HostMethods[M]["result"]>((resolve, reject) => {
            this.pending.set(id, {
                method,
                modelPath: method === "load" ? this.modelPath : undefined,
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
            this.send(message);
            if (signal?.aborted) onAbort();
            else signal?.addEventListener("abort", onAbort, { once: true });
        });
    }

    /** Ends the process (SIGKILL: a stopped or hung host would never act on SIGTERM) and rejects what is pending with `error`; onExit is not called. */
    close(error: ModelHostError): void {
        if (this.closed) return;
        this.closed = true;
        this.failStart(error);
        this.rejectAllPending(error);
        if (!this.exited) this.child?.kill("SIGKILL");
    }

    private spawn(): ChildProcess {
        const child = fork(this.options.hostScriptPath, [], {
            // Not the parent's flags (e.g. a test runner's loaders): the host is a plain built ESM file.
            execArgv: [],
            serialization: "json",
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            // In Electron-based editors, fork() runs the editor binary: make it behave as Node.
            env: { ...process.env, ...this.options.env, ELECTRON_RUN_AS_NODE: "1" },
        });
        const startTimeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
        this.startTimer = setTimeout(() => this.kill(new ModelHostError("HOST_UNAVAILABLE", `The model host did not start within ${startTimeoutMs} ms.`)), startTimeoutMs);
        this.startTimer.unref?.();
        const hangTimeoutMs = this.options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS;
        this.hangCheck = setInterval(() => {
            if (!this.wasReady || Date.now() - this.lastHeardAt < hangTimeoutMs) return;
            this.options.log("error", `The model host (pid ${child.pid}) sent nothing for ${hangTimeoutMs} ms: killing it as hung.`);
            this.killHung();
        }, Math.min(HEARTBEAT_INTERVAL_MS, hangTimeoutMs));
        this.hangCheck.unref?.();
        const forwardOutput = (level: LogLevel) => (chunk: Buffer) => {
            for (const line of chunk.toString("utf8").split(/\r?\n/)) if (line.trim()) this.options.log(level, `[host] ${line}`);
        };
        child.stdout?.on("data", forwardOutput("info"));
        child.stderr?.on("data", forwardOutput("warn"));
        child.on("message", (message: HostMessage) => {
            this.lastHeardAt = Date.now();
            if (!this.closed) this.onMessage(message);
        });
        child.on("error", (error) => {
            this.options.log("error", `Model host process error: ${error.message}`);
            // No pid: the process was never created (node itself could not be run), so no exit follows.
            if (child.pid === undefined) this.finish(null, null, brokenInstallError(this.options.hostScriptPath, error.message));
        });
        child.on("exit", (code, signal) => this.finish(code, signal));
        this.options.log("info", `Model host started (pid ${child.pid}).`);
        return child;
    }

    private onMessage(message: HostMessage): void {
        switch (message.kind) {
            case "ready":
                if (message.protocolVersion !== PROTOCOL_VERSION) {
                    this.kill(versionMismatchError(this.options.hostScriptPath, message.protocolVersion, PROTOCOL_VERSION));
                    return;
                }
                clearTimeout(this.startTimer);
                this.wasReady = true;
                this.markReady();
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
                this.pending.get(message.id)?.onProgress(message.progress);
                break;
            case "log":
                this.options.log(message.level, `[host] ${message.message}`);
                break;
            case "heartbeat":
                break;
        }
    }

    /** A request got no answer for `stallMs` although the host still beats: llama.cpp is stuck. */
    private killStuck(method: HostMethod, stallMs: number): void {
        if (this.exited) return;
        this.options.log("error", `A ${method} request got no answer for ${Math.round(stallMs / 1000)} s${this.modelPath ? ` (model ${this.modelPath})` : ""}: killing the stuck model host.`);
        this.killHung();
    }

    private killHung(): void {
        this.hung = true;
        this.kill(new ModelHostError("HOST_EXITED", `The model host stopped answering and was killed${this.modelPath ? ` (model ${this.modelPath})` : ""}.`));
    }

    /** This side ends the process for `reason`; the exit reports it. */
    private kill(reason: ModelHostError): void {
        if (this.exited) return;
        this.killReason ??= reason;
        this.child?.kill("SIGKILL");
    }

    private send(message: RequestMessageOf<HostMethod> | CancelMessage): void {
        const child = this.child;
        if (this.exited || !child?.connected) return;
        child.send(message, (error) => {
            if (error) this.options.log("warn", `Could not send ${message.kind} to the model host: ${error.message}`);
        });
    }

    private finish(code: number | null, signal: NodeJS.Signals | null, failure?: ModelHostError): void {
        if (this.exited) return;
        this.exited = true;
        clearTimeout(this.startTimer);
        clearInterval(this.hangCheck);
        const error = failure ?? this.killReason ?? this.exitError(code, signal);
        this.failStart(error);
        this.rejectAllPending(error);
        if (this.closed) return;
        const description = this.hung ? "it stopped answering and was killed" : !this.child ? "it was never started" : signal ? `signal ${signal}` : `code ${code}`;
        this.options.onExit({ code, signal, wasReady: this.wasReady, startedAt: this.startedAt, description, error });
    }

    /** What an exit nobody on this side asked for means. */
    private exitError(code: number | null, signal: NodeJS.Signals | null): ModelHostError {
        const nativeCrash = signal !== null && NATIVE_CRASH_SIGNALS.has(signal);
        if (!this.wasReady) {
            // It ended on its own before the handshake (a missing module, a script node cannot run): a broken install.
            if (signal === null || nativeCrash) return brokenInstallError(this.options.hostScriptPath, signal ? `signal ${signal} before it was ready` : `exit code ${code} before it was ready`);
            return new ModelHostError("HOST_UNAVAILABLE", `The model host could not start (signal ${signal}); see the log for its output.`);
        }
        // Loading the same file again would crash again: the load fails with the file and what to do.
        const loading = [...this.pending.values()].find((request) => request.method === "load");
        if (nativeCrash && loading?.modelPath !== undefined) return modelCrashError(loading.modelPath, signal);
        return new ModelHostError("HOST_EXITED", `The model host exited (${signal ? `signal ${signal}` : `code ${code}`}).`);
    }

    private rejectAllPending(error: ModelHostError): void {
        const pending = [...this.pending.values()];
        this.pending.clear();
        for (const request of pending) request.reject(error);
    }
}

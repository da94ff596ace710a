// The client's view of one llama-server: checks it before use (/health; /props for its slots and
// context; /v1/models and /tokenize to make sure it runs Phi-2 with Phi-2's tokenizer), reports
// the state for the status bar, and after a failure checks again with backoff until it answers.
// A wrong key, a wrong model or a bad URL wait for the user instead (nothing would change).
import type { LogLevel } from "../protocol/modelHostProtocol";
import { LlamaServerApi } from "./LlamaServerApi";
import { connectionError, LlamaServerError } from "./LlamaServerError";
import { VOCABULARY_PROBE_TEXT, vocabularyMismatch } from "./phi2ServerVocabulary";

export interface ServerInfo {
    readonly url: string;
    /** The model file as the server names it (its path on the server's machine). */
    readonly modelPath: string;
    /** Parallel slots (`-np`). */
    readonly slots: number;
    /** Context per slot in tokens (`-c` divided by `-np`). */
    readonly slotContextSize: number;
    readonly trainContextSize: number | undefined;
    readonly buildInfo: string | undefined;
}

export type ServerState =
    | { readonly kind: "stopped" }
    | { readonly kind: "connecting" }
    | { readonly kind: "ready"; readonly info: ServerInfo }
    /** A retryable failure (unreachable, 503): checked again after `delayMs`. */
    | { readonly kind: "retrying"; readonly attempt: number; readonly delayMs: number; readonly error: LlamaServerError }
    /** Needs the user: wrong API key, not Phi-2, bad URL. */
    | { readonly kind: "error"; readonly error: LlamaServerError };

/** The same levels as the model host's log lines, so both backends log through one logger. */
export type ServerLogger = (level: LogLevel, message: string) => void;

export interface RetryPolicy {
    /** First delay after a failure; doubles per consecutive failure (default 500 ms). */
    readonly initialDelayMs?: number;
    /** Upper bound of the delay (default 30 s). */
    readonly maxDelayMs?: number;
}

export interface ServerConnectionOptions {
    readonly url: string;
    readonly apiKey?: string;
    readonly log?: ServerLogger;
    readonly retry?: RetryPolicy;
}

export class ServerConnection {
    readonly api: LlamaServerApi;
    private currentState: ServerState = { kind: "stopped" };
    private readonly listeners = new Set<(state: ServerState) => void>();
    private checking: Promise<ServerInfo> | undefined;
    private retryTimer: ReturnType<typeof setTimeout> | undefined;
    private failures = 0;
    private disposed = false;
    private readonly log: ServerLogger;
    private readonly retry: Required<RetryPolicy>;

    /** Throws LlamaServerError "BAD_URL" for a URL that is not http(s). */
    constructor(options: ServerConnectionOptions) {
        this.api = new LlamaServerApi(options.url, options.apiKey || undefined);
        this.log = options.log ?? (() => undefined);
        this.retry = { initialDelayMs: options.retry?.initialDelayMs ?? 500, maxDelayMs: options.retry?.maxDelayMs ?? 30_000 };
    }

    get state(): ServerState {
        return this.currentState;
    }

    get url(): string {
        return this.api.url;
    }

    onDidChangeState(listener: (state: ServerState) => void): { dispose(): void } {
        this.listeners.add(listener);
        return { dispose: () => this.listeners.delete(listener) };
    }

    /** Checks the server now (joining a check in progress); resolves when it is usable. */
    connect(): Promise<ServerInfo> {
        if (this.disposed) return Promise.reject(new LlamaServerError("UNREACHABLE", "The server client was stopped."));
        if (this.checking) return this.checking;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        const check = this.check().then(
            (info) => {
                this.failures = 0;
                if (!this.disposed) {
                    this.log("info", `Phi-2 server ${this.url} ready: ${info.modelPath}, ${info.slots} slots of ${info.slotContextSize} tokens${info.buildInfo ? `, ${info.buildInfo}` : ""}.`);
                    this.setState({ kind: "ready", info });
                }
                return info;
            },
            (error: unknown) => {
                const serverError = connectionError(this.url, error);
                this.onFailure(serverError);
                throw serverError;
            },
        );
        this.checking = check;
        void check.finally(() => {
            if (this.checking === check) this.checking = undefined;
        }).catch(() => undefined);
        // "retrying" stays shown while a retry's check runs.
        if (this.currentState.kind !== "retrying") this.setState({ kind: "connecting" });
        return check;
    }

    /**
     * The server's info for a request: at once when ready, after the check in progress, and a
     * rejection at once otherwise (a keystroke never waits for a server that is down).
     */
    ready(): Promise<ServerInfo> {
        const state = this.currentState;
        if (state.kind === "ready") return Promise.resolve(state.info);
        if (this.checking) return this.checking;
        if (state.kind === "retrying" || state.kind === "error") return Promise.reject(state.error);
        return this.connect();
    }

    /** A request failed: a retryable failure starts checking again with backoff. */
    reportFailure(error: LlamaServerError): void {
        if (this.disposed || this.checking) return;
        if (error.retryable || error.code === "UNAUTHORIZED") this.onFailure(error);
    }

    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.setState({ kind: "stopped" });
        this.listeners.clear();
    }

    private async check(): Promise<ServerInfo> {
        await this.api.health();
        const [props, models, probe] = await Promise.all([this.api.props(), this.api.models(), this.api.tokenizeWithPieces(VOCABULARY_PROBE_TEXT)]);
        const model = models.data?.[0];
        const modelPath = props.model_path || model?.id || "(unnamed model)";
        const mismatch = vocabularyMismatch(model?.meta?.n_vocab, probe);
        if (mismatch) {
            throw new LlamaServerError(
                "WRONG_MODEL",
                `The server at ${this.url} does not run Phi-2 (${modelPath}: ${mismatch}). Start llama-server with a Phi-2 GGUF, e.g. -m phi-2.Q4_K_M.gguf.`,
            );
        }
        const slotContextSize = props.default_generation_settings?.n_ctx ?? model?.meta?.n_ctx_train;
        if (!slotContextSize) throw new LlamaServerError("BAD_RESPONSE", `The server at ${this.url} did not say its context size (/props): is it llama-server?`);
        return {
            url: this.url,
            modelPath,
            slots: Math.max(1, props.total_slots ?? 1),
            slotContextSize,
            trainContextSize: model?.meta?.n_ctx_train,
            buildInfo: props.build_info,
        };
    }

    private onFailure(error: LlamaServerError): void {
        if (this.disposed) return;
        if (!error.retryable) {
            this.log("error", error.message);
            this.setState({ kind: "error", error });
            return;
        }
        this.failures++;
        const delayMs = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (this.failures - 1));
        this.log("warn", `${error.message} Checking again in ${delayMs} ms (attempt ${this.failures}).`);
        this.setState({ kind: "retrying", attempt: this.failures, delayMs, error });
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            void this.connect().catch(() => undefined);
        }, delayMs);
        this.retryTimer.unref?.();
    }

    private setState(state: ServerState): void {
        this.currentState = state;
        for (const listener of [...this.listeners]) listener(state);
    }
}

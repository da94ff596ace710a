// The llama-server HTTP endpoints the client uses, as typed calls: /health, /props, /v1/models,
// /tokenize and /completion (streamed or not). The API key goes in the Authorization header; nothing
// else is sent but what each call names.
import { connectionError, httpError, LlamaServerError } from "./LlamaServerError";
import { serverSentEventData } from "./serverSentEvents";

/** Health, props, models and tokenize answer at once from a healthy server: longer means unreachable. */
const CHECK_TIMEOUT_MS = 5_000;

export interface ServerProps {
    readonly total_slots?: number;
    readonly model_path?: string;
    readonly default_generation_settings?: { readonly n_ctx?: number };
    readonly build_info?: string;
}

export interface ServerModels {
    readonly data?: readonly {
        readonly id?: string;
        readonly meta?: { readonly vocab_type?: number; readonly n_vocab?: number; readonly n_ctx_train?: number };
    }[];
}

/** A token and its text as /tokenize `with_pieces` gives it: a string, or bytes when not valid UTF-8. */
export interface TokenPiece {
    readonly id: number;
    readonly piece: string | readonly number[];
}

export interface CompletionTimings {
    readonly cache_n?: number;
    readonly prompt_n?: number;
    readonly prompt_ms?: number;
    readonly predicted_n?: number;
    readonly predicted_ms?: number;
}

/** One /completion answer, or one event of its stream (fields as llama-server names them). */
export interface CompletionChunk {
    readonly content?: string;
    readonly tokens?: readonly number[];
    readonly stop?: boolean;
    readonly stop_type?: "none" | "eos" | "limit" | "word";
    readonly truncated?: boolean;
    readonly id_slot?: number;
    readonly tokens_evaluated?: number;
    readonly timings?: CompletionTimings;
    readonly error?: { readonly code?: number; readonly message?: string };
}

export interface CompletionBody {
    readonly prompt: string | readonly number[];
    readonly n_predict: number;
    readonly id_slot: number;
    readonly cache_prompt: true;
    readonly stream: boolean;
    readonly [field: string]: unknown;
}

export class LlamaServerApi {
    /** `url` without a trailing slash, as shown in messages. */
    readonly url: string;

    constructor(url: string, private readonly apiKey: string | undefined) {
        this.url = normalizeServerUrl(url);
    }

    async health(signal?: AbortSignal): Promise<void> {
        await this.request("GET", "/health", undefined, signal);
    }

    props(signal?: AbortSignal): Promise<ServerProps> {
        return this.request<ServerProps>("GET", "/props", undefined, signal);
    }

    models(signal?: AbortSignal): Promise<ServerModels> {
        return this.request<ServerModels>("GET", "/v1/models", undefined, signal);
    }

    async tokenizeWithPieces(content: string, signal?: AbortSignal): Promise<readonly TokenPiece[]> {
        const answer = await this.request<{ tokens?: TokenPiece[] }>("POST", "/tokenize", { content, with_pieces: true, add_special: false }, signal);
        return answer.tokens ?? [];
    }

    /** A non-streamed /completion (prefill). Aborting `signal` closes the connection. */
    complete(body: CompletionBody, signal?: AbortSignal): Promise<CompletionChunk> {
        return this.request<CompletionChunk>("POST", "/completion", body, signal, false);
    }

    /** A streamed /completion; breaking out of the loop (or aborting `signal`) closes the connection. */
    async *completeStreaming(body: CompletionBody, signal?: AbortSignal): AsyncGenerator<CompletionChunk> {
        let response: Response;
        try {
            response = await this.send("POST", "/completion", body, signal);
        } catch (error) {
            if (signal?.aborted) return;
            throw error;
        }
        if (!response.body) throw new LlamaServerError("BAD_RESPONSE", `The Phi-2 server at ${this.url} sent an empty stream.`);
        try {
            for await (const data of serverSentEventData(response.body)) {
                const chunk = parseJson<CompletionChunk>(this.url, data);
                if (chunk.error) throw httpError(this.url, chunk.error.code ?? 500, JSON.stringify({ error: chunk.error }));
                yield chunk;
            }
        } catch (error) {
            if (signal?.aborted) return;
            throw connectionError(this.url, error);
        }
    }

    private async request<T>(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal | undefined, timeout = true): Promise<T> {
        const limited = timeout ? AbortSignal.any([AbortSignal.timeout(CHECK_TIMEOUT_MS), ...(signal ? [signal] : [])]) : signal;
        const response = await this.send(method, path, body, limited);
        let text: string;
        try {
            text = await response.text();
        } catch (error) {
            throw connectionError(this.url, error);
        }
        return parseJson<T>(this.url, text);
    }

    private async send(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
        const headers: Record<string, string> = { Accept: method === "POST" && (body as { stream?: boolean } | undefined)?.stream ? "text/event-stream" : "application/json" };
        if (body !== undefined) headers["Content-Type"] = "application/json";
        if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
        const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal };
        let response: Response;
        try {
            response = await fetch(`${this.url}${path}`, init);
        } catch (error) {
            // A kept-alive connection the server closed while idle fails before the request reaches
            // it: one new connection is tried before the server counts as unreachable.
            if (signal?.aborted || !isStaleConnection(error)) throw connectionError(this.url, error);
            try {
                response = await fetch(`${this.url}${path}`, init);
            } catch (retryError) {
                throw connectionError(this.url, retryError);
            }
        }
        if (!response.ok) {
            const text = await response.text().catch(() => "");
            throw httpError(this.url, response.status, text);
        }
        return response;
    }
}

function isStaleConnection(error: unknown): boolean {
    const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
    return code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE";
}

function parseJson<T>(serverUrl: string, text: string): T {
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new LlamaServerError("BAD_RESPONSE", `The Phi-2 server at ${serverUrl} sent something that is not JSON (${JSON.stringify(text.slice(0, 80))}). Is phi2.server.url a llama-server?`);
    }
}

/** `http(s)://host[:port][/base]` without a trailing slash; anything else is a BAD_URL error. */
export function normalizeServerUrl(url: string): string {
    let parsed: URL;
    try {
        parsed = new URL(url.trim());
    } catch {
        throw new LlamaServerError("BAD_URL", `phi2.server.url ${JSON.stringify(url)} is not a URL: set it to llama-server's address, e.g. http://127.0.0.1:8080.`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new LlamaServerError("BAD_URL", `phi2.server.url must start with http:// or https:// (got ${JSON.stringify(url)}).`);
    }
    if (parsed.username || parsed.password) {
        throw new LlamaServerError("BAD_URL", `phi2.server.url must not contain a user or password: use "Phi-2: Set Server API Key" for the key.`);
    }
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

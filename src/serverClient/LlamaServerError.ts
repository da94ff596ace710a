// What can go wrong talking to a llama-server, as codes the editor turns into status-bar text and
// actions, with messages that say what happened and what to do.

export type ServerErrorCode =
    | "BAD_URL" // phi2.server.url is not an http(s) URL
    | "UNREACHABLE" // connection refused, reset, DNS failure, timeout
    | "UNAUTHORIZED" // HTTP 401: no API key or the wrong one
    | "WRONG_MODEL" // the server runs a model that is not Phi-2
    | "OVERLOADED" // HTTP 503: loading its model or out of capacity
    | "PROMPT_TOO_LONG" // the prompt does not fit the server's context per slot
    | "BAD_RESPONSE"; // any other HTTP error or a reply we cannot read

export class LlamaServerError extends Error {
    constructor(
        readonly code: ServerErrorCode,
        message: string,
        /** The HTTP status, when the server answered. */
        readonly status?: number,
    ) {
        super(message);
        this.name = "LlamaServerError";
    }

    /** Worth trying again later without the user changing anything. */
    get retryable(): boolean {
        return this.code === "UNREACHABLE" || this.code === "OVERLOADED" || this.code === "BAD_RESPONSE";
    }
}

/** llama-server's error body: `{"error": {"code": 401, "message": "Invalid API Key", "type": "..."}}`. */
function serverMessage(body: string): string {
    try {
        const parsed = JSON.parse(body) as { error?: { message?: unknown } | string };
        const message = typeof parsed.error === "string" ? parsed.error : parsed.error?.message;
        if (typeof message === "string" && message.length > 0) return message;
    } catch {
        // Not JSON (e.g. a reverse proxy's HTML page): fall back to the start of the text.
    }
    return body.trim().slice(0, 200);
}

/** The error for a non-2xx answer of `url`. */
export function httpError(serverUrl: string, status: number, body: string): LlamaServerError {
    const detail = serverMessage(body);
    switch (status) {
        case 401:
        case 403:
            return new LlamaServerError(
                "UNAUTHORIZED",
                `The Phi-2 server at ${serverUrl} refused the API key (HTTP ${status}: ${detail || "unauthorized"}). ` +
                    `Run "Phi-2: Set Server API Key" with the key llama-server was started with (--api-key).`,
                status,
            );
        case 503:
            return new LlamaServerError(
                "OVERLOADED",
                `The Phi-2 server at ${serverUrl} is busy or still loading its model (HTTP 503: ${detail || "unavailable"}); trying again shortly.`,
                status,
            );
        default:
            if (status === 400 && /context|exceeds/i.test(detail)) {
                return new LlamaServerError("PROMPT_TOO_LONG", `The prompt does not fit the server's context (${detail}). Lower phi2.maxPromptTokens or start llama-server with a larger -c.`, status);
            }
            return new LlamaServerError("BAD_RESPONSE", `The Phi-2 server at ${serverUrl} answered HTTP ${status}${detail ? `: ${detail}` : ""}.`, status);
    }
}

/** The error for a request that got no HTTP answer at all. */
export function connectionError(serverUrl: string, error: unknown): LlamaServerError {
    if (error instanceof LlamaServerError) return error;
    return new LlamaServerError(
        "UNREACHABLE",
        `The Phi-2 server at ${serverUrl} is not reachable (${describeCause(error)}). Check that llama-server is running there and that phi2.server.url is right.`,
    );
}

/** fetch() hides the socket error in `cause` (ECONNREFUSED, ECONNRESET, ENOTFOUND...). */
function describeCause(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
        const code = (cause as { code?: unknown }).code;
        return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
    }
    return error.name === "TimeoutError" ? "no answer in time" : error.message;
}

// Entry of the model host child process (forked with an IPC channel by ModelHostClient).
// Answers typed requests from protocol.ts; a bad message gets an error response, never a crash.
// Exits at once when the parent goes away or on SIGTERM (processLifetime.ts), so an editor or CLI
// crash never leaves a model in memory.
import { ModelEngine, type AbortReason, type HostLogLevel } from "./engine/ModelEngine";
import { HostFailure } from "./engine/HostFailure";
import { describe } from "./engine/modelFile";
import { exitImmediately, exitOnTerminationSignals, startParentWatchdog } from "./processLifetime";
import {
    HEARTBEAT_INTERVAL_MS,
    PROTOCOL_VERSION,
    type GenerateParams,
    type HostError,
    type HostMessage,
    type HostMethod,
    type LoadParams,
    type PrefillParams,
    type TokenizeParams,
} from "../protocol/modelHostProtocol";

const methods: readonly HostMethod[] = ["load", "generate", "prefill", "tokenize", "stats", "unload"];

function send(message: HostMessage): void {
    if (process.connected) process.send?.(message);
}

function log(level: HostLogLevel, message: string): void {
    send({ kind: "log", level, message });
}

const engine = new ModelEngine(log);
const running = new Map<number, AbortController>();
/** Loads and unloads run one at a time; other requests see NOT_LOADED until a load finishes. */
let modelChange: Promise<unknown> = Promise.resolve();
let changingModel = false;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toHostError(error: unknown): HostError {
    if (error instanceof HostFailure) return { code: error.code, message: error.message };
    return { code: "INTERNAL", message: `Internal error in the model host: ${describe(error)}` };
}

async function run(id: number, method: HostMethod, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const progress = (payload: unknown): void => send({ kind: "progress", id, progress: payload });
    switch (method) {
        case "load":
        case "unload": {
            const change = modelChange.then(async () => {
                changingModel = true;
                try {
                    if (method === "unload") return { unloaded: await engine.unload() };
                    let lastPercent = -1;
                    return await engine.load(params as unknown as LoadParams, (loadProgress) => {
                        // llama.cpp reports per tensor: whole percents are enough for a progress bar.
                        const percent = Math.floor(loadProgress * 100);
                        if (percent === lastPercent) return;
                        lastPercent = percent;
                        progress({ loadProgress });
                    });
                } finally {
                    changingModel = false;
                }
            });
            modelChange = change.catch(() => undefined);
            return change;
        }
        case "generate":
            if (changingModel) throw new HostFailure("NOT_LOADED", "The model is still loading.");
            return engine.generate(params as unknown as GenerateParams, signal, (text) => progress({ text }), (prefill) => progress({ prefill }));
        case "prefill":
            if (changingModel) throw new HostFailure("NOT_LOADED", "The model is still loading.");
            return engine.prefill(params as unknown as PrefillParams, signal, (prefill) => progress({ prefill }));
        case "tokenize": {
            const { text } = params as unknown as TokenizeParams;
            if (typeof text !== "string") throw new HostFailure("BAD_REQUEST", "text must be a string.");
            return { tokens: engine.countTokens(text) };
        }
        case "stats":
            return engine.stats();
    }
}

function onRequest(message: Record<string, unknown>): void {
    const id = message.id;
    if (typeof id !== "number" || !Number.isInteger(id)) {
        log("warn", `Ignored a request without a numeric id: ${JSON.stringify(message).slice(0, 200)}`);
        return;
    }
    const method = message.method;
    const params = message.params ?? {};
    const fail = (error: HostError): void => send({ kind: "response", id, ok: false, error });
    if (typeof method !== "string" || !(methods as readonly string[]).includes(method)) {
        fail({ code: "BAD_REQUEST", message: `Unknown method ${JSON.stringify(method)}.` });
        return;
    }
    if (!isRecord(params)) {
        fail({ code: "BAD_REQUEST", message: "params must be an object." });
        return;
    }
    if (running.has(id)) {
        fail({ code: "BAD_REQUEST", message: `Request id ${id} is already running.` });
        return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    run(id, method as HostMethod, params, controller.signal).then(
        (result) => send({ kind: "response", id, ok: true, result }),
        (error: unknown) => {
            const hostError = toHostError(error);
            if (hostError.code === "INTERNAL") log("error", `${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            fail(hostError);
        },
    ).finally(() => running.delete(id));
}

function onMessage(message: unknown): void {
    if (!isRecord(message)) {
        log("warn", "Ignored a message that is not an object.");
        return;
    }
    if (message.kind === "request") {
        onRequest(message);
    } else if (message.kind === "cancel") {
        const reason: AbortReason = message.reason === "stop" ? "stop" : "cancel";
        if (typeof message.id === "number") running.get(message.id)?.abort(reason);
    } else {
        log("warn", `Ignored a message of unknown kind ${JSON.stringify(message.kind)}.`);
    }
}

if (!process.send) {
    console.error("The phi2-complete model host must be started with an IPC channel (child_process.fork).");
    process.exit(2);
}

startParentWatchdog();
exitOnTerminationSignals();
process.on("message", onMessage);
// The parent is gone (closed editor, crashed extension host): nothing left to serve.
process.on("disconnect", () => exitImmediately());
setInterval(() => send({ kind: "heartbeat" }), HEARTBEAT_INTERVAL_MS).unref();
process.on("unhandledRejection", (reason) => log("error", `Unhandled rejection in the model host: ${describe(reason)}`));
send({ kind: "ready", protocolVersion: PROTOCOL_VERSION, pid: process.pid });

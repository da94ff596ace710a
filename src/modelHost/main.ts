// Entry of the model host child process (forked with an IPC channel by src/hostClient/HostConnection).
// Answers typed requests of the protocol (src/protocol) through one handler per method; a bad message gets an error response, never a crash.
// Exits at once when the parent goes away or on SIGTERM (processLifetime.ts), so an editor or CLI
// crash never leaves a model in memory.
import { ModelEngine } from "./engine/ModelEngine";
import { HostFailure } from "./engine/HostFailure";
import { exitImmediately, exitOnTerminationSignals, startParentWatchdog } from "./processLifetime";
import { parseParams } from "./requestParams";
import {
    HEARTBEAT_INTERVAL_MS,
    PROTOCOL_VERSION,
    type CancelReason,
    type HostError,
    type HostMessage,
    type HostMethod,
    type HostMethods,
    type LogLevel,
} from "../protocol/modelHostProtocol";
import { errorText } from "../core/errorText";

function send(message: HostMessage): void {
    if (process.connected) process.send?.(message);
}

function log(level: LogLevel, message: string): void {
    send({ kind: "log", level, message });
}

const engine = new ModelEngine(log);
const running = new Map<number, AbortController>();
/** Loads run one at a time; other requests see NOT_LOADED until a load finishes. */
let modelChange: Promise<unknown> = Promise.resolve();
let changingModel = false;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toHostError(error: unknown): HostError {
    if (error instanceof HostFailure) return { code: error.code, message: error.message };
    return { code: "INTERNAL", message: `Internal error in the model host: ${errorText(error)}` };
}

interface RequestContext<M extends HostMethod> {
    readonly signal: AbortSignal;
    readonly progress: (payload: HostMethods[M]["progress"]) => void;
}

/** The host's side of the method table: one handler per method, typed by it (a missing one does not compile). */
type HostHandlers = {
    readonly [M in HostMethod]: (params: HostMethods[M]["params"], context: RequestContext<M>) => Promise<HostMethods[M]["result"]> | HostMethods[M]["result"];
};

/** Runs a load after the previous one; generation and prefill meanwhile get NOT_LOADED. */
function changeModel<T>(change: () => Promise<T>): Promise<T> {
    const next = modelChange.then(async () => {
        changingModel = true;
        try {
            return await change();
        } finally {
            changingModel = false;
        }
    });
    modelChange = next.catch(() => undefined);
    return next;
}

function requireModelSettled(): void {
    if (changingModel) throw new HostFailure("NOT_LOADED", "The model is still loading.");
}

const handlers: HostHandlers = {
    load: (params, { progress }) => changeModel(() => {
        let lastPercent = -1;
        return engine.load(params, (loadProgress) => {
            // llama.cpp reports per tensor: whole percents are enough for a progress bar.
            const percent = Math.floor(loadProgress * 100);
            if (percent === lastPercent) return;
            lastPercent = percent;
            progress({ loadProgress });
        });
    }),
    generate: (params, { signal, progress }) => {
        requireModelSettled();
        return engine.generate(params, signal, (text) => progress({ text }), (prefill) => progress({ prefill }), (evictedKey) => progress({ evictedKey }));
    },
    prefill: (params, { signal, progress }) => {
        requireModelSettled();
        return engine.prefill(params, signal, (prefill) => progress({ prefill }), (evictedKey) => progress({ evictedKey }));
    },
    tokenize: ({ text }) => ({ tokens: engine.countTokens(text) }),
    stats: () => engine.stats(),
};

function isHostMethod(name: unknown): name is HostMethod {
    return typeof name === "string" && Object.hasOwn(handlers, name);
}

/** Checks the params for `method` and runs its handler (a bad request throws BAD_REQUEST). */
async function run<M extends HostMethod>(method: M, id: number, rawParams: Record<string, unknown>, signal: AbortSignal): Promise<HostMethods[M]["result"]> {
    const params = parseParams[method](rawParams);
    const progress = (payload: HostMethods[M]["progress"]): void => send({ kind: "progress", id, progress: payload });
    return handlers[method](params, { signal, progress });
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
    if (!isHostMethod(method)) {
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
    run(method, id, params, controller.signal).then(
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
        const reason: CancelReason = message.reason === "stop" ? "stop" : "cancel";
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
process.on("unhandledRejection", (reason) => log("error", `Unhandled rejection in the model host: ${errorText(reason)}`));
send({ kind: "ready", protocolVersion: PROTOCOL_VERSION, pid: process.pid });

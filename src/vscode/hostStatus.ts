// What the status bar shows for the local model: a function of the one host client's state, so
// ModelManager derives its status from the client instead of keeping a copy of its own in step.
import type { HostState } from "../hostClient/ModelHostClient";
import type { ModelStatus } from "./ModelManager";

/**
 * The status the client's state means, or undefined where the manager's own facts decide: an error
 * (the manager reports it once, with its toast and the model path), and "stopped" while a model is
 * configured (an idle unload, or a load about to start, which the manager already shows).
 */
export function statusOfHost(state: HostState, modelConfigured: boolean, current: ModelStatus["kind"]): ModelStatus | undefined {
    switch (state.kind) {
        case "starting":
            // Starting is shown as such only when nothing better is known (e.g. after a crash).
            return current !== "noModel" || modelConfigured ? { kind: "starting" } : undefined;
        case "loading":
            return { kind: "loading", progress: state.progress };
        case "ready":
            return { kind: "ready", info: state.info };
        case "restarting":
            return { kind: "restarting", attempt: state.attempt, delayMs: state.delayMs };
        case "stopped":
            return modelConfigured ? undefined : { kind: "noModel" };
        case "error":
            return undefined;
    }
}

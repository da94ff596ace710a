// What a change to each `phi2.*` setting needs: a model reload (the model host restarts with new
// load parameters, or another backend connects), or nothing but the fresh value (applied live: the
// next request, keystroke or download reads it). One table, so a new setting must say which; a
// unit test checks it against package.json. No vscode import, so the unit test can read it.

export type SettingEffect = "reloadModel" | "live";

export const SETTING_EFFECTS: Readonly<Record<string, SettingEffect>> = {
    "phi2.enable": "live",
    "phi2.exclude": "live",
    "phi2.modelPath": "reloadModel",
    "phi2.download.baseUrl": "live",
    "phi2.backend": "reloadModel",
    "phi2.server.url": "reloadModel",
    "phi2.gpu": "reloadModel",
    "phi2.threads": "reloadModel",
    // Also the completion budgets' context (live), but a new context size needs a new model context.
    "phi2.contextSize": "reloadModel",
    "phi2.kvCacheBudgetMb": "reloadModel",
    "phi2.speculativeDecoding": "reloadModel",
    "phi2.maxTokens": "live",
    "phi2.maxPromptTokens": "live",
    "phi2.multiline": "live",
    "phi2.timeCapMs": "live",
    "phi2.latencyBudgetMs": "live",
    "phi2.debounceMs": "live",
    "phi2.backgroundPrefill": "live",
    "phi2.context": "live",
    "phi2.alternatives": "live",
    "phi2.explain.maxTokens": "live",
    "phi2.idleUnloadMinutes": "live",
};

/** Whether a configuration change may need a model reload (`affects`: the event's affectsConfiguration). */
export function needsModelReload(affects: (key: string) => boolean): boolean {
    return Object.entries(SETTING_EFFECTS).some(([key, effect]) => effect === "reloadModel" && affects(key));
}

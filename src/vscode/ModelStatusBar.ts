// The status bar item: what the model is doing (no model / loading N% / ready / generating /
// restarting / error, or completions turned off), and a click that offers the actions that fit.
import * as path from "node:path";
import * as vscode from "vscode";
import { EXPLAIN_SEQUENCE_KEY } from "../core/explain/ExplainSession";
import { fileNameOf } from "../core/explain/explainPrompt";
import type { MeasuredSpeed } from "../core/completion/machineTuning";
import type { ModelActivityView } from "../core/model/ModelActivity";
import type { ModelInfo } from "../protocol/modelHostProtocol";
import { INTERNAL_COMMANDS } from "./commandIds";
import type { ModelStatus } from "./ModelManager";

export const STATUS_BAR_ACTIONS_COMMAND = INTERNAL_COMMANDS.statusBarActions;

export interface StatusBarView {
    readonly status: ModelStatus;
    readonly enabled: boolean;
    /** What the model does, once a request has waited long enough to be worth showing. */
    readonly activity: ModelActivityView;
    /**
     * Tokens per second measured on this machine with the model in use, once known (the engine's
     * self-tuning measures them); the tooltip shows them when present.
     */
    readonly measuredSpeed?: MeasuredSpeed;
    /** This session's local numbers (CompletionStatistics), shown in the tooltip once the model is ready. */
    readonly statistics?: readonly string[];
}

/** How many of the latest texts the item remembers (tests read them; a status bar has few). */
const RECENT_TEXTS = 100;

export class ModelStatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    /** How often the text changed: a flickering item changes it on every keystroke (tests read it). */
    textChanges = 0;
    /** The latest texts, oldest first (tests read them). */
    readonly recentTexts: string[] = [];

    constructor() {
        this.item = vscode.window.createStatusBarItem("phi2.status", vscode.StatusBarAlignment.Right, 100);
        this.item.name = "Phi-2";
        this.item.command = STATUS_BAR_ACTIONS_COMMAND;
        this.item.show();
    }

    /** The text shown now (tests read it). */
    get text(): string {
        return this.item.text;
    }

    /** The tooltip shown now (tests read it). */
    get tooltip(): string {
        return typeof this.item.tooltip === "string" ? this.item.tooltip : this.item.tooltip?.value ?? "";
    }

    update(view: StatusBarView): void {
        const { text, tooltip, background } = describe(view);
        if (text !== this.item.text) this.recordText(text);
        this.item.text = text;
        const statistics = view.status.kind === "ready" && view.statistics?.length
            ? `\n\nThis session (counted on this machine only):\n${view.statistics.join("\n")}`
            : "";
        this.item.tooltip = tooltip + statistics;
        this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    }

    dispose(): void {
        this.item.dispose();
    }

    private recordText(text: string): void {
        this.textChanges++;
        this.recentTexts.push(text);
        if (this.recentTexts.length > RECENT_TEXTS) this.recentTexts.shift();
    }
}

function describe(view: StatusBarView): { text: string; tooltip: string; background?: string } {
    const { status } = view;
    switch (status.kind) {
        case "noModel":
            return { text: "$(circle-slash) Phi-2: no model", tooltip: "No Phi-2 model file is configured. Click to select one.", background: "statusBarItem.warningBackground" };
        case "starting":
            return { text: "$(sync~spin) Phi-2: starting", tooltip: "Starting the Phi-2 model process." };
        case "loading":
            // llama.cpp reports no progress while it maps and reads the file: say what happens
            // instead of a "0%" that looks like a hang.
            if (status.progress <= 0) {
                return { text: "$(sync~spin) Phi-2: reading model file", tooltip: "Reading the Phi-2 model file from disk. The first load after the machine starts takes longest (tens of seconds for 1.8 GB)." };
            }
            return { text: `$(sync~spin) Phi-2: loading ${Math.round(status.progress * 100)}%`, tooltip: "Loading the Phi-2 model." };
        case "idle":
            return {
                text: "$(circle-outline) Phi-2: idle",
                tooltip: `The model was unloaded after ${status.idleMinutes} min without requests, to free its memory. It loads again when you type (setting phi2.idleUnloadMinutes).`,
            };
        case "restarting":
            if (status.reason) {
                return {
                    text: "$(warning) Phi-2: reconnecting",
                    tooltip: `${status.reason}\nChecking again in ${Math.round(status.delayMs / 100) / 10} s (attempt ${status.attempt}). Click for actions.`,
                    background: "statusBarItem.warningBackground",
                };
            }
            return {
                text: "$(warning) Phi-2: restarting",
                tooltip: `The model process crashed; restarting in ${Math.round(status.delayMs / 100) / 10} s (attempt ${status.attempt}).`,
                background: "statusBarItem.warningBackground",
            };
        case "error":
            return { text: "$(error) Phi-2: error", tooltip: `${status.error.message}\nClick for actions.`, background: "statusBarItem.errorBackground" };
        case "ready": {
            const model = status.server
                ? `${path.basename(status.info.modelPath)} on the server ${status.server} (${status.info.sequences} slots, context ${status.info.contextSize})`
                : `${path.basename(status.info.modelPath)} (${describePlacement(status.info)}, ${describeThreads(status.info.threads)}, context ${status.info.contextSize} tokens)`;
            if (!view.enabled) return { text: "$(circle-slash) Phi-2: off", tooltip: `Completions are turned off. Model: ${model}` };
            const speeds = view.measuredSpeed ? `\n${describeSpeeds(view.measuredSpeed)}` : "";
            const activity = describeActivity(view.activity);
            if (activity) return { text: activity.text, tooltip: `${activity.tooltip}\nModel: ${model}${speeds}` };
            return { text: "$(sparkle) Phi-2", tooltip: `Ready. Model: ${model}${speeds}` };
        }
    }
}

/** Status bar text for a request that has waited; undefined when nothing is worth showing. */
function describeActivity(activity: ModelActivityView): { text: string; tooltip: string } | undefined {
    if (activity.kind === "quiet") return undefined;
    const explaining = activity.key === EXPLAIN_SEQUENCE_KEY;
    const what = explaining ? "the code to explain" : fileNameOf(activity.key);
    const why = explaining ? "for the explanation" : activity.priority === "background" ? "in the background, so the next suggestion there is fast" : "for a suggestion";
    if (activity.kind === "reading") {
        return {
            text: `$(loading~spin) Phi-2: reading ${what} ${activity.percent}%`,
            tooltip: `Reading ${what} into the model's cache ${why}: ${activity.percent}% of ${activity.tokensToEvaluate} new prompt tokens.`,
        };
    }
    return { text: "$(loading~spin) Phi-2", tooltip: explaining ? "Writing an explanation." : `Working on ${what} ${why}.` };
}

/** "Measured here: prompt 18 tokens/s, generation 5.2 tokens/s". */
export function describeSpeeds(speeds: MeasuredSpeed): string {
    return `Measured here: prompt ${formatRate(speeds.promptTokensPerS)} tokens/s, generation ${formatRate(speeds.generatedTokensPerS)} tokens/s`;
}

/** Two significant digits below 100: "5.2", "18", "570". */
function formatRate(perSecond: number): string {
    return perSecond >= 100 ? String(Math.round(perSecond)) : String(Number(perSecond.toPrecision(2)));
}

export function describeThreads(threads: number): string {
    return threads === 1 ? "1 thread" : `${threads} threads`;
}

/** "CPU", "vulkan, 33 layers offloaded", or "CPU (the GPU failed)" after a fallback. */
export function describePlacement(info: Pick<ModelInfo, "gpu" | "gpuLayers" | "gpuFallback">): string {
    if (info.gpu === false) return info.gpuFallback ? "CPU (the GPU failed)" : "CPU";
    return `${info.gpu}, ${info.gpuLayers ?? 0} layers offloaded`;
}

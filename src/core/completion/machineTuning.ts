// Settings fitted to the machine's measured model speed. A prompt window of 1,024 tokens is ~15 s
// of prompt evaluation on a laptop but minutes on a slow or busy CPU, and the first suggestion at a
// new place waits for all of it: the window is sized so that evaluating it from scratch takes at
// most `coldPromptBudgetMs`. Only lowers what the settings allow (explicit limits still win).
import type { CompletionSettings } from "./CompletionSettings";

export interface MeasuredSpeed {
    /** Prompt tokens evaluated per second on this machine. */
    readonly promptTokensPerS: number;
    /** Tokens generated per second on this machine. */
    readonly generatedTokensPerS: number;
}

export interface MachineTuningOptions {
    /** Longest acceptable wait for the whole window to be read at a new place (cold cache). */
    readonly coldPromptBudgetMs: number;
}

/** ~20 s: the time a person reads around a place they jumped to before the first pause to fill. */
export const DEFAULT_MACHINE_TUNING: MachineTuningOptions = { coldPromptBudgetMs: 20_000 };
/** Below this the model sees too little of the file for useful suggestions, however slow the machine. */
export const MIN_TUNED_PROMPT_TOKENS = 192;
/** Window sizes are rounded down to this many tokens (so small speed changes do not move the window start). */
const PROMPT_TOKENS_STEP = 64;

/** The prompt window a cold start can afford at `speed`: within [MIN_TUNED_PROMPT_TOKENS, settings.maxPromptTokens]. */
export function tunedMaxPromptTokens(settings: CompletionSettings, speed: MeasuredSpeed, options: MachineTuningOptions = DEFAULT_MACHINE_TUNING): number {
    if (!(speed.promptTokensPerS > 0)) return settings.maxPromptTokens;
    const affordable = Math.floor((speed.promptTokensPerS * options.coldPromptBudgetMs) / 1000 / PROMPT_TOKENS_STEP) * PROMPT_TOKENS_STEP;
    return Math.min(settings.maxPromptTokens, Math.max(MIN_TUNED_PROMPT_TOKENS, affordable));
}

/** Lines per window step for a window of this many tokens: at most a third of its ~10-token lines. */
const TOKENS_PER_STEP_LINE = 32;
const MIN_WINDOW_STEP_LINES = 4;

/**
 * The window start moves in steps of whole lines (a stable prompt start); a step must stay well
 * below the window's own length, or a small window loses most of its body at each step (a
 * 192-token window with 32-line steps kept ~90 tokens). Never above the configured step.
 */
export function windowStepLinesFor(maxPromptTokens: number, configuredStepLines: number): number {
    return Math.min(configuredStepLines, Math.max(MIN_WINDOW_STEP_LINES, Math.round(maxPromptTokens / TOKENS_PER_STEP_LINE)));
}

/** A cold read of the whole window longer than this gets a first look (CompletionSettings.firstLookTokens). */
const FIRST_LOOK_WHEN_COLD_READ_MS = 8000;
/** The first look's window is read in about this long. */
const FIRST_LOOK_READ_MS = 4000;
const FIRST_LOOK_MIN_TOKENS = 64;
const FIRST_LOOK_TOKENS_STEP = 32;

/**
 * The first look's window at `speed` for a window of `maxPromptTokens`: what is read in about
 * FIRST_LOOK_READ_MS (at least 64 tokens, at most a third of the window); 0 when the whole window
 * is read quickly enough, or the speed is unknown.
 */
export function firstLookTokensFor(maxPromptTokens: number, speed: MeasuredSpeed): number {
    const rate = speed.promptTokensPerS;
    if (!(rate > 0) || !Number.isFinite(rate) || (maxPromptTokens / rate) * 1000 <= FIRST_LOOK_WHEN_COLD_READ_MS) return 0;
    const readable = Math.floor((rate * FIRST_LOOK_READ_MS) / 1000 / FIRST_LOOK_TOKENS_STEP) * FIRST_LOOK_TOKENS_STEP;
    const tokens = Math.min(Math.floor(maxPromptTokens / 3), Math.max(FIRST_LOOK_MIN_TOKENS, readable));
    return tokens >= FIRST_LOOK_MIN_TOKENS ? tokens : 0;
}

/** Settings with the prompt window fitted to the measured speed. */
export function tuneToMachine(settings: CompletionSettings, speed: MeasuredSpeed, options: MachineTuningOptions = DEFAULT_MACHINE_TUNING): CompletionSettings {
    const maxPromptTokens = tunedMaxPromptTokens(settings, speed, options);
    return { ...settings, maxPromptTokens, windowStepLines: windowStepLinesFor(maxPromptTokens, settings.windowStepLines) };
}

/** Settings the speed may tune; the ones the user set explicitly are left as they are. */
export type TunableSetting = "maxPromptTokens" | "maxTokens" | "timeCapMs" | "debounce";

/** The longer version (after the first part) is worth generating for about this many tokens: a line and a half of code. */
const LONGER_VERSION_TOKENS = 24;
/** Beyond this the user has long moved on: a generation that slow is cut whatever the speed. */
const MAX_TUNED_TIME_CAP_MS = 8000;
/** Shortest time cap: a fast model's whole suggestion comes well within it. */
const MIN_TUNED_TIME_CAP_MS = 1000;
/** Fewest tokens a tuned cap leaves a suggestion (a few words). */
const MIN_TUNED_MAX_TOKENS = 16;

/**
 * Every budget derived from the measured speed, so a pause gets ghost text within
 * `settings.latencyBudgetMs` (the first part, firstPart.ts) and the longer version is not
 * generated for longer than it is likely to be read:
 * - the prompt window: a cold read of it at a new place within `coldPromptBudgetMs`;
 * - the time cap: LONGER_VERSION_TOKENS at the generation speed, within [budget, 8 s];
 * - max tokens: what the time cap lets the model write (never above the setting);
 * - the cold debounce: about one generated token's time, so pauses too short to produce a
 *   token do not start (and waste) a generation; never above the debounce maximum;
 * - the first look at a new place (firstLookTokensFor), when the window's cold read is slow.
 * `explicit` settings (set by the user) win. Unknown speeds change nothing.
 */
export function tuneCompletionSettings(
    settings: CompletionSettings,
    speed: MeasuredSpeed,
    explicit: ReadonlySet<TunableSetting> = new Set(),
    options: MachineTuningOptions = DEFAULT_MACHINE_TUNING,
): CompletionSettings {
    const generation = speed.generatedTokensPerS;
    let tuned: CompletionSettings = settings;
    if (!explicit.has("maxPromptTokens")) {
        const maxPromptTokens = tunedMaxPromptTokens(settings, speed, options);
        tuned = { ...tuned, maxPromptTokens, windowStepLines: windowStepLinesFor(maxPromptTokens, settings.windowStepLines) };
    }
    tuned = { ...tuned, firstLookTokens: firstLookTokensFor(tuned.maxPromptTokens, speed) };
    if (!(generation > 0) || !Number.isFinite(generation)) return tuned;
    if (!explicit.has("timeCapMs")) {
        const forLongerVersion = Math.round((LONGER_VERSION_TOKENS / generation) * 10) * 100;
        const floor = Math.max(MIN_TUNED_TIME_CAP_MS, settings.latencyBudgetMs);
        tuned = { ...tuned, timeCapMs: Math.min(MAX_TUNED_TIME_CAP_MS, Math.max(floor, forLongerVersion)) };
    }
    if (!explicit.has("maxTokens")) {
        const writable = Math.ceil((generation * tuned.timeCapMs) / 1000);
        tuned = { ...tuned, maxTokens: Math.min(settings.maxTokens, Math.max(MIN_TUNED_MAX_TOKENS, writable)) };
    }
    if (!explicit.has("debounce")) {
        const oneToken = Math.round(1000 / generation);
        const coldMs = Math.min(settings.debounce.maxMs, Math.max(settings.debounce.coldMs, oneToken));
        tuned = { ...tuned, debounce: { ...tuned.debounce, coldMs } };
    }
    return tuned;
}

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

/** Settings with the prompt window fitted to the measured speed. */
export function tuneToMachine(settings: CompletionSettings, speed: MeasuredSpeed, options: MachineTuningOptions = DEFAULT_MACHINE_TUNING): CompletionSettings {
    return { ...settings, maxPromptTokens: tunedMaxPromptTokens(settings, speed, options) };
}

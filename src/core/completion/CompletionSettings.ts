// Settings of the completion pipeline. Plain data: the VS Code layer maps `phi2.*` settings onto
// this, the CLI maps its flags, tests build their own.

/** "auto": multi-line only where the cursor opens a block; "always"/"never" force one mode. */
export type MultilineMode = "auto" | "always" | "never";

export type StopRuleSet = "all" | "minimal";

export interface DebounceSettings {
    /** Delay when the model's KV cache already holds almost the whole prompt (a cheap request). */
    readonly warmMs: number;
    /** Delay when a noticeable part of the prompt must be evaluated. */
    readonly coldMs: number;
    /** Upper bound while typing fast (the delay follows the typing rhythm up to this). */
    readonly maxMs: number;
    /** Keystrokes closer than this (average) count as typing fast. */
    readonly fastTypingIntervalMs: number;
}

export interface CompletionSettings {
    /** Token cap for a multi-line suggestion. */
    readonly maxTokens: number;
    /** Token cap for a single-line suggestion (the smaller of this and maxTokens is used). */
    readonly singleLineMaxTokens: number;
    /** The model context size in tokens (the host's context per sequence). */
    readonly contextTokens: number;
    /** Upper bound for the prompt, whatever the context size (prompt evaluation is the CPU cost). */
    readonly maxPromptTokens: number;
    /** Lines per step of the prefix window: the prompt start moves only in steps this big. */
    readonly windowStepLines: number;
    /** Share of the prompt budget the file header (imports, module docstring) may take. */
    readonly headerShare: number;
    /** Share of the prompt budget that project context (definitions from other files) may take. */
    readonly contextShare: number;
    /** Stop generating after this many ms of generation (the prompt evaluation before it is not capped) and show what is ready. */
    readonly timeCapMs: number;
    readonly multiline: MultilineMode;
    /**
     * "all" (default): every stop rule. "minimal": only the end of text and the end of a single
     * line; the quality benchmark's variant that shows what the content rules are worth.
     */
    readonly stopRules?: StopRuleSet;
    readonly debounce: DebounceSettings;
    /** Entries kept in the LRU of recent suggestions. */
    readonly cacheEntries: number;
    /**
     * When every caller waiting for a generation has cancelled (VS Code cancels on each keystroke),
     * keep it running this long so the next keystroke's request can reuse it if the user typed
     * what it is generating; abort it after that.
     */
    readonly abandonGraceMs: number;
    /**
     * How long a pause may wait for ghost text, from the request (the keystroke; see
     * latencyBudgetFrom): once it is spent, what the model has written so far is shown and the
     * generation goes on for the longer version (0: show only whole results). A block's first line
     * is shown ahead of the rest as soon as it is there.
     */
    readonly latencyBudgetMs: number;
    /**
     * Where the latency budget starts: at the request ("request": the keystroke, so the debounce
     * and the prompt read are part of it, as for the user who waits) or, as before, when the model
     * call starts after the debounce ("modelCall": the benchmark's --budget-after-debounce).
     */
    readonly latencyBudgetFrom: "request" | "modelCall";
    /**
     * While the user types, evaluate each new prompt into the document's KV sequence at once, in
     * the background (a prefill the next keystroke replaces), instead of only after the debounce:
     * on a slow CPU a cold read takes tens of seconds and the pauses between keystrokes are where
     * it gets done, so the generation of a pause starts from a warm cache.
     */
    readonly prefillWhileTyping: boolean;
    /**
     * A first look at a new place: while most of the prompt is not in the document's KV cache
     * yet (a new file, a jump, a restart), requests use a window of this many tokens, on a KV
     * sequence of their own, so a pause there gets ghost text in seconds instead of after the
     * whole window's cold read; the whole window is read in the background meanwhile and takes
     * over once it is in the cache. 0: off (the self-tuning sets it on a slow machine).
     */
    readonly firstLookTokens: number;
}

export const DEFAULT_COMPLETION_SETTINGS: CompletionSettings = {
    maxTokens: 96,
    singleLineMaxTokens: 40,
    contextTokens: 2048,
    // Phi-2 evaluates tens of prompt tokens per second on a laptop CPU: 1,024 tokens keep the
    // first request at a new place bounded, and prefix reuse makes the next ones cheap.
    maxPromptTokens: 1024,
    windowStepLines: 32,
    headerShare: 0.25,
    contextShare: 0.3,
    timeCapMs: 4000,
    multiline: "auto",
    debounce: { warmMs: 25, coldMs: 120, maxMs: 600, fastTypingIntervalMs: 250 },
    cacheEntries: 200,
    abandonGraceMs: 150,
    latencyBudgetMs: 1000,
    latencyBudgetFrom: "request",
    prefillWhileTyping: true,
    firstLookTokens: 0,
};

/** Tokens kept free between the prompt budget and the context size (estimate error, stop tokens). */
const CONTEXT_SAFETY_TOKENS = 64;

/** Prompt token budget from the settings: context minus generation, capped by maxPromptTokens. */
export function promptBudgetTokens(settings: CompletionSettings): number {
    const fromContext = settings.contextTokens - settings.maxTokens - CONTEXT_SAFETY_TOKENS;
    return Math.max(16, Math.min(settings.maxPromptTokens, fromContext));
}

/** Settings with some fields replaced; nested debounce settings merge field by field. */
export function withSettings(
    base: CompletionSettings,
    changes: Partial<Omit<CompletionSettings, "debounce">> & { debounce?: Partial<DebounceSettings> },
): CompletionSettings {
    return { ...base, ...changes, debounce: { ...base.debounce, ...changes.debounce } };
}

/** Token budget for project context at the start of the prompt. */
export function contextBudgetTokens(settings: CompletionSettings): number {
    return Math.floor(promptBudgetTokens(settings) * settings.contextShare);
}

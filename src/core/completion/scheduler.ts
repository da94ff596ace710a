// When to ask the model: an adaptive debounce and an abortable wait. Clock and timers are
// injected so tests are deterministic.
import type { DebounceSettings } from "./CompletionSettings";

export interface Timers {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Waits `ms`; resolves true when the time passed, false as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal, timers: Timers): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
        const onAbort = (): void => {
            timers.clearTimeout(handle);
            resolve(false);
        };
        const handle = timers.setTimeout(() => {
            signal.removeEventListener("abort", onAbort);
            resolve(true);
        }, ms);
        signal.addEventListener("abort", onAbort, { once: true });
    });
}

/** A gap longer than this between requests is a pause, not typing rhythm. */
const PAUSE_MS = 1500;
/** Weight of the newest interval in the running average. */
const RHYTHM_SMOOTHING = 0.5;
/** Weight of the newest interval's distance from the average in the running deviation. */
const DEVIATION_SMOOTHING = 0.25;
/** While typing fast, wait at least this multiple of the usual gap between keystrokes (so a pause triggers). */
const RHYTHM_FACTOR = 1.5;
/**
 * ... and at least the usual gap plus this many of its running deviations: an uneven rhythm (a
 * longer gap after a comma or a colon) is still typing, not a pause, and a generation started in
 * it would be cancelled by the next keystroke, its tokens wasted (as TCP's retransmission timer:
 * mean plus four deviations).
 */
const RHYTHM_DEVIATIONS = 4;

interface Rhythm {
    readonly lastAt: number;
    readonly averageGapMs: number | undefined;
    readonly deviationMs: number;
}

/**
 * Adaptive debounce per document: short when the model has almost the whole prompt cached,
 * longer when a noticeable part must be evaluated, and following the typing rhythm while the user
 * types fast (a request then fires when they pause, not on every keystroke).
 */
export class AdaptiveDebounce {
    private readonly rhythm = new Map<string, Rhythm>();

    constructor(private settings: DebounceSettings) {}

    updateSettings(settings: DebounceSettings): void {
        this.settings = settings;
    }

    /** Records a request at `now` and returns how long to wait before asking the model. */
    delayFor(uri: string, now: number, warm: boolean): number {
        const state = this.rhythm.get(uri);
        let averageGapMs: number | undefined;
        let deviationMs = 0;
        if (state) {
            const gap = now - state.lastAt;
            if (gap <= PAUSE_MS && state.averageGapMs !== undefined) {
                deviationMs = state.deviationMs * (1 - DEVIATION_SMOOTHING) + Math.abs(gap - state.averageGapMs) * DEVIATION_SMOOTHING;
                averageGapMs = state.averageGapMs * (1 - RHYTHM_SMOOTHING) + gap * RHYTHM_SMOOTHING;
            } else if (gap <= PAUSE_MS) {
                averageGapMs = gap;
            }
        }
        this.rhythm.set(uri, { lastAt: now, averageGapMs, deviationMs });
        const base = warm ? this.settings.warmMs : this.settings.coldMs;
        if (averageGapMs !== undefined && averageGapMs < this.settings.fastTypingIntervalMs) {
            const typing = Math.max(averageGapMs * RHYTHM_FACTOR, averageGapMs + RHYTHM_DEVIATIONS * deviationMs);
            return Math.min(this.settings.maxMs, Math.max(base, Math.round(typing)));
        }
        return base;
    }

    forgetDocument(uri: string): void {
        this.rhythm.delete(uri);
    }
}

/** New prompt characters beyond the last request's prompt that still count as a warm cache. */
export const WARM_MAX_NEW_CHARACTERS = 64;

/**
 * Whether the model's KV cache (holding `previousPrompt`) covers all but a few characters of
 * `prompt`: then evaluating it is cheap and a short debounce is enough.
 */
export function isWarmPrompt(previousPrompt: string | undefined, prompt: string, maxNewCharacters = WARM_MAX_NEW_CHARACTERS): boolean {
    if (previousPrompt === undefined) return false;
    const limit = Math.min(previousPrompt.length, prompt.length);
    if (prompt.length - limit > maxNewCharacters) return false;
    return prompt.length - commonPrefixLength(previousPrompt, prompt) <= maxNewCharacters;
}

/** Length of the common start of `a` and `b`, compared from the start; exits at the first difference. */
export function commonPrefixLength(a: string, b: string): number {
    const limit = Math.min(a.length, b.length);
    let common = 0;
    while (common < limit && a.charCodeAt(common) === b.charCodeAt(common)) common++;
    return common;
}

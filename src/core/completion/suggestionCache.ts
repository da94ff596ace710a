// Recent suggestions, keyed by the prompt (the text before the cursor) they were generated for.
//
// One lookup serves two cases with no model call:
//  - the same prefix again (backspace and retype, or the editor asking twice): an exact hit;
//  - typed-ahead: the user has typed the first characters of a suggestion, so the prompt is an
//    older prompt plus a start of its suggestion: the rest of that suggestion is still right.
import type { CompletionMode } from "./completionMode";

export interface CachedSuggestion {
    readonly uri: string;
    readonly prompt: string;
    /** The model's text after the stop rules (before post-processing, which depends on the suffix). */
    readonly text: string;
    readonly mode: CompletionMode;
}

export interface SuggestionCacheHit {
    readonly entry: CachedSuggestion;
    /** The part of the suggestion the user has typed since (empty for an exact hit). */
    readonly typed: string;
    /** What is left to suggest. */
    readonly remaining: string;
}

/**
 * The remaining suggestion when `prompt` extends `entryPrompt` by a start of `text`, else undefined.
 * Shared by the cache and by the reuse of a generation still in flight.
 */
export function typedAheadRemainder(entryPrompt: string, text: string, prompt: string): string | undefined {
    const typedLength = prompt.length - entryPrompt.length;
    if (typedLength < 0 || typedLength >= text.length) return undefined;
    // Compare the short typed part first: it rejects most candidates without the long comparison.
    if (!text.startsWith(prompt.slice(entryPrompt.length))) return undefined;
    if (!prompt.startsWith(entryPrompt)) return undefined;
    const remaining = text.slice(typedLength);
    return remaining.trim().length > 0 ? remaining : undefined;
}

export class SuggestionCache {
    /** Insertion order is recency order: the last entry is the most recently used. */
    private readonly entries = new Map<string, CachedSuggestion>();

    constructor(private readonly maxEntries: number) {}

    get size(): number {
        return this.entries.size;
    }

    store(entry: CachedSuggestion): void {
        if (entry.text.trim().length === 0 || this.maxEntries <= 0) return;
        const key = cacheKey(entry.uri, entry.prompt);
        this.entries.delete(key);
        this.entries.set(key, entry);
        while (this.entries.size > this.maxEntries) {
            const oldest = this.entries.keys().next();
            if (oldest.done) break;
            this.entries.delete(oldest.value);
        }
    }

    /** The closest entry for this prompt: an exact hit, or the typed-ahead entry with the longest prompt. */
    lookup(uri: string, prompt: string): SuggestionCacheHit | undefined {
        const exactKey = cacheKey(uri, prompt);
        const exact = this.entries.get(exactKey);
        if (exact) {
            this.touch(exactKey, exact);
            return { entry: exact, typed: "", remaining: exact.text };
        }
        let best: { key: string; entry: CachedSuggestion; remaining: string } | undefined;
        for (const [key, entry] of this.entries) {
            if (entry.uri !== uri || (best && entry.prompt.length <= best.entry.prompt.length)) continue;
            const remaining = typedAheadRemainder(entry.prompt, entry.text, prompt);
            if (remaining !== undefined) best = { key, entry, remaining };
        }
        if (!best) return undefined;
        this.touch(best.key, best.entry);
        return { entry: best.entry, typed: prompt.slice(best.entry.prompt.length), remaining: best.remaining };
    }

    /** Forgets a document's entries (e.g. when it is closed). */
    forgetDocument(uri: string): void {
        for (const [key, entry] of this.entries) if (entry.uri === uri) this.entries.delete(key);
    }

    private touch(key: string, entry: CachedSuggestion): void {
        this.entries.delete(key);
        this.entries.set(key, entry);
    }
}

function cacheKey(uri: string, prompt: string): string {
    return `${uri}\u0000${prompt}`;
}

// First line first, the asking side: when the editor should ask again at the place of an answer
// whose generation goes on. The provider and the real-time replay both use it, so the benchmark
// measures the rule the user gets.
//
// Per document, only the newest answer's continuation is followed. It asks at most once: when its
// first line is complete or when a longer version is ready, whichever comes first (they can be
// milliseconds apart), and only while the user is still where it was shown. The answer to that ask
// (from the running generation or the cache) carries on with a continuation of its own.
import type { Continuation, ContinuationEnd } from "./CompletionEngine";

/** What made the continuation ask: its first line is complete, or its generation ended with a longer version. */
export type ReaskCause = { readonly kind: "lineCompleted" } | { readonly kind: "longer"; readonly end: ContinuationEnd };

export interface ContinuationReaskOptions {
    /** Ask when the first line is complete too, not only at the generation's end (default true). */
    readonly onLineCompleted?: boolean;
}

export class ContinuationReask<Key> {
    private readonly followed = new Map<Key, Continuation>();

    constructor(private readonly options: ContinuationReaskOptions = {}) {}

    /**
     * Follows the continuation of the newest answer for `key` (an older one stops asking).
     * `stillThere` is checked at the moment of asking: nothing typed or moved since the answer.
     */
    follow(key: Key, continuation: Continuation, stillThere: () => boolean, ask: (cause: ReaskCause) => void): void {
        this.followed.set(key, continuation);
        const askOnce = (cause: ReaskCause): void => {
            if (this.followed.get(key) !== continuation || !stillThere()) return;
            this.followed.delete(key);
            ask(cause);
        };
        if (this.options.onLineCompleted !== false) continuation.lineCompleted?.then(() => askOnce({ kind: "lineCompleted" }), () => undefined);
        continuation.ended.then((end) => (end.longer ? askOnce({ kind: "longer", end }) : undefined), () => undefined);
    }

    /** A newer answer came, or the user dismissed the ghost text or closed the document: no ask for what is followed. */
    forget(key: Key): void {
        this.followed.delete(key);
    }
}

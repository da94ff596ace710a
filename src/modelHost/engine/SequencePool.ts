// Maps sequence keys (one per recent document, one for explanations) to the KV sequences of the
// one context. More keys than sequences: the least recently used idle sequence is handed to the
// new key (its cache is simply not a prefix of the new prompt). One request at a time per
// sequence; a foreground request on a key asks a background holder of that key to step aside,
// and a foreground request that finds no idle sequence asks a background holder willing to give
// its sequence up (a prefill) to do so.

export interface PoolSlot<S> {
    readonly sequence: S;
}

export interface SequenceLease<S> {
    readonly sequence: S;
    /** True when the sequence held another key (or nothing) before this lease. */
    readonly reassigned: boolean;
    /**
     * The key this lease took the sequence from: that key's prompt is no longer cached anywhere,
     * and its next request starts on another sequence (undefined when the sequence was unused or already this key's).
     */
    readonly evictedKey: string | undefined;
    release(): void;
}

interface Holder {
    readonly background: boolean;
    readonly preempt: () => void;
    readonly onSlotWanted?: () => void;
}

interface Slot<S> {
    readonly sequence: S;
    key: string | undefined;
    lastUsed: number;
    holder: Holder | undefined;
    /** Requests for this slot's key, in arrival order. */
    readonly queue: { readonly background: boolean; readonly grant: () => void }[];
}

export interface AcquireOptions {
    readonly background: boolean;
    /** Called when a foreground request for the same key arrives while this lease is held. */
    readonly onPreempt?: () => void;
    /**
     * Called when a foreground request for another key finds every sequence busy: a background
     * request that can stop early (a prefill keeps what it evaluated) offers its sequence this way.
     * Without it, that foreground request waits until some sequence is released.
     */
    readonly onSlotWanted?: () => void;
    readonly signal?: AbortSignal;
}

export class SequencePool<S> {
    private readonly slots: Slot<S>[];
    private useCounter = 0;
    /** Requests for keys without a slot, waiting for any slot to become idle. */
    private waitingForSlot: (() => void)[] = [];

    constructor(sequences: readonly S[]) {
        this.slots = sequences.map((sequence) => ({ sequence, key: undefined, lastUsed: 0, holder: undefined, queue: [] }));
    }

    get keysInUse(): number {
        return this.slots.filter((slot) => slot.key !== undefined).length;
    }

    keyOf(sequence: S): string | undefined {
        return this.slots.find((slot) => slot.sequence === sequence)?.key;
    }

    /** Waits for the sequence of `key` (assigning one if needed). Rejects with the signal's reason when aborted. */
    async acquire(key: string, options: AcquireOptions): Promise<SequenceLease<S>> {
        for (;;) {
            options.signal?.throwIfAborted();
            const owned = this.slots.find((slot) => slot.key === key);
            if (owned) return this.acquireSlot(owned, options, undefined);
            const idle = this.slots
                .filter((slot) => slot.holder === undefined && slot.queue.length === 0)
                .sort((a, b) => a.lastUsed - b.lastUsed)[0];
            if (idle) {
                const evictedKey = idle.key;
                idle.key = key;
                return this.acquireSlot(idle, options, { evictedKey });
            }
            if (!options.background) this.askBackgroundForSlot();
            await this.waitFor((wake) => this.waitingForSlot.push(wake), options.signal);
        }
    }

    /** `handedOver` is set when the slot was just handed to this key (from `evictedKey`, or unused). */
    private async acquireSlot(slot: Slot<S>, options: AcquireOptions, handedOver: { readonly evictedKey: string | undefined } | undefined): Promise<SequenceLease<S>> {
        if (slot.holder !== undefined || slot.queue.length > 0) {
            if (!options.background && slot.holder?.background) slot.holder.preempt();
            let entry: { background: boolean; grant: () => void } | undefined;
            try {
                await this.waitFor((wake) => {
                    entry = { background: options.background, grant: wake };
                    // Foreground requests go ahead of queued background ones.
                    const firstBackground = options.background ? -1 : slot.queue.findIndex((queued) => queued.background);
                    if (firstBackground === -1) slot.queue.push(entry);
                    else slot.queue.splice(firstBackground, 0, entry);
                }, options.signal);
            } catch (error) {
                const index = entry ? slot.queue.indexOf(entry) : -1;
                if (index !== -1) slot.queue.splice(index, 1);
                if (slot.holder === undefined) this.grantNext(slot);
                throw error;
            }
        }
        slot.holder = { background: options.background, preempt: options.onPreempt ?? (() => undefined), onSlotWanted: options.onSlotWanted };
        slot.lastUsed = ++this.useCounter;
        let released = false;
        return {
            sequence: slot.sequence,
            reassigned: handedOver !== undefined,
            evictedKey: handedOver?.evictedKey,
            release: () => {
                if (released) return;
                released = true;
                slot.holder = undefined;
                slot.lastUsed = ++this.useCounter;
                this.grantNext(slot);
            },
        };
    }

    /** Asks the least recently used background holder that can give its sequence up to do so. */
    private askBackgroundForSlot(): void {
        const candidate = this.slots
            .filter((slot) => slot.holder?.background === true && slot.holder.onSlotWanted !== undefined)
            .sort((a, b) => a.lastUsed - b.lastUsed)[0];
        candidate?.holder?.onSlotWanted?.();
    }

    private grantNext(slot: Slot<S>): void {
        const next = slot.queue.shift();
        if (next) {
            // Reserve the slot for the granted request before it resumes.
            slot.holder = { background: next.background, preempt: () => undefined };
            next.grant();
            return;
        }
        const waiting = this.waitingForSlot;
        this.waitingForSlot = [];
        for (const wake of waiting) wake();
    }

    private waitFor(register: (wake: () => void) => void, signal: AbortSignal | undefined): Promise<void> {
        return new Promise<void>((resolve, reject) => {
            const onAbort = (): void => reject(signal?.reason);
            signal?.addEventListener("abort", onAbort, { once: true });
            register(() => {
                signal?.removeEventListener("abort", onAbort);
                resolve();
            });
        });
    }
}

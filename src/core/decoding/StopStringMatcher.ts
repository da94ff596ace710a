// Finds stop strings in streamed text. Text that could still turn into a stop string is held
// back, so what has been streamed never contains (a part of) a stop string that later completes.

export interface StopScan {
    /** Text that is now safe to stream. */
    readonly emit: string;
    /** A stop string was found: `emit` ends right before it and generation should end. */
    readonly stopped: boolean;
}

export class StopStringMatcher {
    private readonly stopStrings: readonly string[];
    private pending = "";

    constructor(stopStrings: readonly string[] | undefined) {
        this.stopStrings = (stopStrings ?? []).filter((stop) => stop.length > 0);
    }

    /** Some text is held back (it may be the start of a stop string). */
    get hasPending(): boolean {
        return this.pending.length > 0;
    }

    push(chunk: string): StopScan {
        this.pending += chunk;
        let stopIndex = -1;
        for (const stop of this.stopStrings) {
            const index = this.pending.indexOf(stop);
            if (index !== -1 && (stopIndex === -1 || index < stopIndex)) stopIndex = index;
        }
        if (stopIndex !== -1) {
            const emit = this.pending.slice(0, stopIndex);
            this.pending = "";
            return { emit, stopped: true };
        }
        const held = this.heldBackLength();
        const emit = this.pending.slice(0, this.pending.length - held);
        this.pending = this.pending.slice(this.pending.length - held);
        return { emit, stopped: false };
    }

    /** Generation ended for another reason: the held-back text is part of the answer. */
    flush(): string {
        const rest = this.pending;
        this.pending = "";
        return rest;
    }

    /** Length of the longest end of the pending text that is the start of some stop string. */
    private heldBackLength(): number {
        let longest = 0;
        for (const stop of this.stopStrings) {
            const maxLength = Math.min(stop.length - 1, this.pending.length);
            for (let length = maxLength; length > longest; length--) {
                if (this.pending.endsWith(stop.slice(0, length))) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}

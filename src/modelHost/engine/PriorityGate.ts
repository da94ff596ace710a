// Foreground work (a completion the user waits for) goes first. Background work asks the gate
// before each step it takes on the model: every prefill chunk, and every token of a background
// generation (an explanation). While any foreground request is running, the gate holds those
// steps, so a completion waits for at most the one background chunk or token already being
// evaluated. A held generation keeps its sequence and its state and simply continues afterwards.

export class PriorityGate {
    private foregroundCount = 0;
    private waiters: (() => void)[] = [];

    get foregroundActive(): boolean {
        return this.foregroundCount > 0;
    }

    /** Marks a foreground request as present until the returned function is called. */
    enterForeground(): () => void {
        this.foregroundCount++;
        let released = false;
        return () => {
            if (released) return;
            released = true;
            this.foregroundCount--;
            if (this.foregroundCount === 0) {
                const waiters = this.waiters;
                this.waiters = [];
                for (const wake of waiters) wake();
            }
        };
    }

    /** Resolves when no foreground request is present (or at once when the signal aborts). */
    async backgroundTurn(signal?: AbortSignal): Promise<void> {
        while (this.foregroundCount > 0 && !signal?.aborted) {
            await new Promise<void>((resolve) => {
                const onAbort = (): void => resolve();
                signal?.addEventListener("abort", onAbort, { once: true });
                this.waiters.push(() => {
                    signal?.removeEventListener("abort", onAbort);
                    resolve();
                });
            });
        }
    }
}

// Foreground work (a completion the user waits for) goes first: background prefill asks the gate
// before every chunk and waits while any foreground request is waiting or running, so a
// foreground request is delayed by at most the one background chunk already being evaluated.

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

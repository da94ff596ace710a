// Deterministic timers for tests: time moves only when a test calls advance().
import type { Timers } from "../../../src/core/completion/scheduler";

export class ManualTimers implements Timers {
    now = 0;
    private nextId = 1;
    private readonly scheduled = new Map<number, { at: number; callback: () => void }>();

    setTimeout(callback: () => void, ms: number): unknown {
        const id = this.nextId++;
        this.scheduled.set(id, { at: this.now + ms, callback });
        return id;
    }

    clearTimeout(handle: unknown): void {
        this.scheduled.delete(handle as number);
    }

    get pending(): number {
        return this.scheduled.size;
    }

    /** Moves the clock and runs the timers that are due, in time order. */
    advance(ms: number): void {
        const target = this.now + ms;
        for (;;) {
            let next: [number, { at: number; callback: () => void }] | undefined;
            for (const entry of this.scheduled) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
            if (!next) break;
            this.scheduled.delete(next[0]);
            this.now = next[1].at;
            next[1].callback();
        }
        this.now = target;
    }
}

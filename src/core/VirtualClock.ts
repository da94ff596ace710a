// Simulated time, for the benchmark's typing replay and for unit tests: the engine's clock and
// timers (debounce, abandon grace, idle unload) run on it, so minutes of typing take only as long
// as the model work, and a test decides when time passes. Time moves only when it is advanced;
// timers fire in time order (ties in the order they were set).
import type { Timers } from "./completion/scheduler";

interface ScheduledTimer {
    readonly at: number;
    readonly order: number;
    readonly callback: () => void;
}

export class VirtualClock implements Timers {
    private current = 0;
    private nextHandle = 1;
    private readonly timers = new Map<number, ScheduledTimer>();

    readonly now = (): number => this.current;

    setTimeout(callback: () => void, ms: number): unknown {
        const handle = this.nextHandle++;
        this.timers.set(handle, { at: this.current + Math.max(0, ms), order: handle, callback });
        return handle;
    }

    clearTimeout(handle: unknown): void {
        this.timers.delete(handle as number);
    }

    /** When the earliest pending timer is due, if any. */
    nextDueAt(): number | undefined {
        let earliest: number | undefined;
        for (const timer of this.timers.values()) if (earliest === undefined || timer.at < earliest) earliest = timer.at;
        return earliest;
    }

    /** Moves to the earliest timer's time and runs it (ties in scheduling order). */
    runNext(): boolean {
        let next: [number, ScheduledTimer] | undefined;
        for (const entry of this.timers) {
            if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].order < next[1].order)) next = entry;
        }
        if (!next) return false;
        this.timers.delete(next[0]);
        this.current = Math.max(this.current, next[1].at);
        next[1].callback();
        return true;
    }

    /** Timers set and not yet run or cleared. */
    get pending(): number {
        return this.timers.size;
    }

    /** Moves the clock `ms` forward, running the timers that fall due on the way (a test's step). */
    advance(ms: number): void {
        const target = this.current + ms;
        for (let due = this.nextDueAt(); due !== undefined && due <= target; due = this.nextDueAt()) this.runNext();
        this.advanceTo(target);
    }

    /** Moves the clock forward without running timers (the caller ran the due ones). */
    advanceTo(time: number): void {
        this.current = Math.max(this.current, time);
    }
}

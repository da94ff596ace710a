// When to unload an idle model: after a quiet period with no request in flight, so a user who is
// reading (or away) does not carry 2-3 GB of model in memory. The caller unloads and reloads; this
// only decides when.
import type { Timers } from "../completion/scheduler";

export class IdleUnloadTimer {
    private handle: unknown;
    private inFlight = 0;
    private idleMs = 0;

    constructor(
        private readonly timers: Timers,
        private readonly onIdle: () => void,
    ) {}

    /** 0 (or less) turns unloading off. Restarts the wait. */
    setIdleMs(idleMs: number): void {
        this.idleMs = idleMs;
        this.restart();
    }

    /** A request starts: no unloading until it ends. */
    begin(): void {
        this.inFlight++;
        this.cancel();
    }

    /** A request ended: the quiet period starts again (once nothing else is in flight). */
    end(): void {
        this.inFlight = Math.max(0, this.inFlight - 1);
        this.restart();
    }

    /** Something happened that is not a request (e.g. the model became ready): start waiting afresh. */
    restart(): void {
        this.cancel();
        if (this.idleMs <= 0 || this.inFlight > 0) return;
        this.handle = this.timers.setTimeout(() => {
            this.handle = undefined;
            this.onIdle();
        }, this.idleMs);
    }

    cancel(): void {
        if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
        this.handle = undefined;
    }
}

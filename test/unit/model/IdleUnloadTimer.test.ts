import * as assert from "node:assert/strict";
import { IdleUnloadTimer } from "../../../src/core/model/IdleUnloadTimer";
import { VirtualClock } from "../../../src/core/VirtualClock";

describe("IdleUnloadTimer", () => {
    const MINUTE = 60_000;
    let timers: VirtualClock;
    let idle: number;
    let timer: IdleUnloadTimer;

    beforeEach(() => {
        timers = new VirtualClock();
        idle = 0;
        timer = new IdleUnloadTimer(timers, () => idle++);
        timer.setIdleMs(15 * MINUTE);
    });

    it("fires once after the quiet period", () => {
        timers.advance(15 * MINUTE - 1);
        assert.equal(idle, 0);
        timers.advance(1);
        assert.equal(idle, 1);
        timers.advance(60 * MINUTE);
        assert.equal(idle, 1);
    });

    it("never fires while a request is in flight, however long it takes", () => {
        timer.begin();
        timers.advance(60 * MINUTE);
        assert.equal(idle, 0);
        timer.end();
        timers.advance(15 * MINUTE);
        assert.equal(idle, 1);
    });

    it("counts the quiet period from the last request, not the first", () => {
        timers.advance(10 * MINUTE);
        timer.begin();
        timer.end();
        timers.advance(10 * MINUTE);
        assert.equal(idle, 0);
        timers.advance(5 * MINUTE);
        assert.equal(idle, 1);
    });

    it("waits for every overlapping request to end", () => {
        timer.begin();
        timer.begin();
        timer.end();
        timers.advance(30 * MINUTE);
        assert.equal(idle, 0);
        timer.end();
        timers.advance(15 * MINUTE);
        assert.equal(idle, 1);
    });

    it("is off at 0 minutes", () => {
        timer.setIdleMs(0);
        timers.advance(24 * 60 * MINUTE);
        assert.equal(idle, 0);
        assert.equal(timers.pending, 0);
    });

    it("cancel() stops the wait (e.g. the model was unloaded for another reason)", () => {
        timer.cancel();
        timers.advance(60 * MINUTE);
        assert.equal(idle, 0);
    });
});

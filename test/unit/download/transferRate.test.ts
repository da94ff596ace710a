import * as assert from "node:assert/strict";
import { describeDuration, describeTransfer, TransferRate } from "../../../src/download/transferRate";

const MB = 1024 * 1024;

describe("TransferRate", () => {
    it("has no rate (and no time left) before two samples a moment apart", () => {
        const rate = new TransferRate();
        rate.record(0, 0);
        assert.equal(rate.bytesPerSecond, 0);
        assert.equal(rate.secondsLeft(0, 100), undefined);
    });

    it("measures bytes per second and the time left", () => {
        const rate = new TransferRate();
        rate.record(0, 0);
        rate.record(1000, 4 * MB);
        assert.equal(rate.bytesPerSecond, 4 * MB);
        assert.equal(rate.secondsLeft(4 * MB, 12 * MB), 2);
    });

    it("forgets a slow start: the rate follows the last seconds, not the average", () => {
        const rate = new TransferRate();
        rate.record(0, 0);
        rate.record(10_000, 1 * MB); // 0.1 MB/s for 10 s
        for (let t = 11_000; t <= 20_000; t += 1000) rate.record(t, 1 * MB + ((t - 10_000) / 1000) * 5 * MB);
        assert.ok(Math.abs(rate.bytesPerSecond - 5 * MB) < 0.01 * MB, String(rate.bytesPerSecond / MB));
    });
});

describe("describeTransfer", () => {
    it("shows MB done / total, MB/s and the time left", () => {
        assert.equal(describeTransfer(312 * MB, 1706 * MB, 4.2 * MB, 332), "312 / 1,706 MB · 4.2 MB/s · 6 min left");
    });

    it("leaves out what is not known yet", () => {
        assert.equal(describeTransfer(0, undefined, 0, undefined), "0 MB");
        assert.equal(describeTransfer(5 * MB, 10 * MB, 0, undefined), "5 / 10 MB");
    });

    it("words durations in seconds, minutes and hours", () => {
        assert.equal(describeDuration(0.2), "1 s");
        assert.equal(describeDuration(45), "45 s");
        assert.equal(describeDuration(600), "10 min");
        assert.equal(describeDuration(3 * 3600 + 30 * 60), "3 h 30 min");
    });
});

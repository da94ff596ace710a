import assert from "node:assert/strict";
import { PriorityGate } from "../../../src/modelHost/engine/PriorityGate";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("PriorityGate", () => {
    it("holds background turns while foreground work is present", async () => {
        const gate = new PriorityGate();
        const leave = gate.enterForeground();
        let resumed = false;
        const turn = gate.backgroundTurn().then(() => (resumed = true));
        await tick();
        assert.equal(resumed, false);
        leave();
        await turn;
        assert.equal(resumed, true);
    });

    it("holds background work until the last of several foreground requests leaves", async () => {
        const gate = new PriorityGate();
        const leaveFirst = gate.enterForeground();
        const leaveSecond = gate.enterForeground();
        let resumed = false;
        const turn = gate.backgroundTurn().then(() => (resumed = true));
        leaveFirst();
        leaveFirst(); // leaving twice counts once
        await tick();
        assert.equal(resumed, false);
        assert.equal(gate.foregroundActive, true);
        leaveSecond();
        await turn;
        assert.equal(gate.foregroundActive, false);
    });

    it("lets background work run at once when nothing is in the foreground, or when aborted", async () => {
        const gate = new PriorityGate();
        await gate.backgroundTurn();
        gate.enterForeground();
        const controller = new AbortController();
        const turn = gate.backgroundTurn(controller.signal);
        controller.abort();
        await turn;
    });
});

import assert from "node:assert/strict";
import { SequencePool } from "../../../src/modelHost/engine/SequencePool";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("SequencePool", () => {
    it("gives each key its own sequence and the same one again later", async () => {
        const pool = new SequencePool(["s0", "s1"]);
        const a = await pool.acquire("doc-a", { background: false });
        a.release();
        const b = await pool.acquire("doc-b", { background: false });
        b.release();
        assert.notEqual(a.sequence, b.sequence);
        const again = await pool.acquire("doc-a", { background: false });
        assert.equal(again.sequence, a.sequence);
        assert.equal(again.reassigned, false);
        again.release();
    });

    it("hands the least recently used idle sequence to a new key", async () => {
        const pool = new SequencePool(["s0", "s1"]);
        for (const key of ["a", "b", "a"]) (await pool.acquire(key, { background: false })).release();
        const c = await pool.acquire("c", { background: false });
        assert.equal(c.reassigned, true);
        assert.equal(pool.keyOf(c.sequence), "c");
        c.release();
        // "a" was used more recently than "b", so "b" lost its sequence.
        assert.equal((await pool.acquire("a", { background: false })).reassigned, false);
    });

    it("names the key whose sequence a new key took, and only then", async () => {
        const pool = new SequencePool(["s0", "s1"]);
        const evicted = async (key: string): Promise<string | undefined> => {
            const lease = await pool.acquire(key, { background: false });
            lease.release();
            return lease.evictedKey;
        };
        // Unused sequences first, then the least recently used key's, never a key's own.
        assert.deepEqual([await evicted("a"), await evicted("b"), await evicted("a"), await evicted("c"), await evicted("a"), await evicted("b")], [undefined, undefined, undefined, "b", undefined, "c"]);
    });

    it("runs requests for one key one at a time, in order", async () => {
        const pool = new SequencePool(["s0"]);
        const first = await pool.acquire("a", { background: false });
        const order: string[] = [];
        const second = pool.acquire("a", { background: false }).then((lease) => {
            order.push("second");
            return lease;
        });
        await tick();
        assert.deepEqual(order, []);
        first.release();
        (await second).release();
        assert.deepEqual(order, ["second"]);
    });

    it("asks a background holder to step aside for a foreground request on its key", async () => {
        const pool = new SequencePool(["s0"]);
        let preempted = false;
        const background = await pool.acquire("a", { background: true, onPreempt: () => (preempted = true) });
        const foreground = pool.acquire("a", { background: false });
        assert.equal(preempted, true);
        background.release();
        (await foreground).release();
    });

    it("waits for a busy sequence when every sequence is in use, and gives up on abort", async () => {
        const pool = new SequencePool(["s0"]);
        const held = await pool.acquire("a", { background: false });
        const controller = new AbortController();
        const waiting = pool.acquire("b", { background: false, signal: controller.signal });
        controller.abort("cancel");
        await assert.rejects(waiting);
        const next = pool.acquire("b", { background: false });
        held.release();
        const lease = await next;
        assert.equal(lease.reassigned, true);
        lease.release();
    });

    it("asks a background holder that offers its sequence to give it up when a foreground request finds none idle", async () => {
        const pool = new SequencePool(["s0", "s1"]);
        const asked: string[] = [];
        const explanation = await pool.acquire("explain", { background: true, onPreempt: () => asked.push("explain preempted") });
        const prefill = await pool.acquire("doc-a", { background: true, onSlotWanted: () => asked.push("doc-a") });
        const completion = pool.acquire("doc-b", { background: false });
        assert.deepEqual(asked, ["doc-a"], "only the holder that offers its sequence is asked; the explanation keeps running");
        prefill.release();
        const lease = await completion;
        assert.equal(lease.sequence, prefill.sequence);
        assert.equal(pool.keyOf(lease.sequence), "doc-b");
        lease.release();
        explanation.release();
    });

    it("does not take sequences away for a background request", async () => {
        const pool = new SequencePool(["s0"]);
        let asked = false;
        const held = await pool.acquire("a", { background: true, onSlotWanted: () => (asked = true) });
        const waiting = pool.acquire("b", { background: true });
        await tick();
        assert.equal(asked, false);
        held.release();
        (await waiting).release();
    });
});

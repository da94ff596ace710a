import assert from "node:assert/strict";
import { serverSentEventData } from "../../../src/serverClient/serverSentEvents";

function streamOf(parts: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    return new ReadableStream({
        start(controller) {
            for (const part of parts) controller.enqueue(typeof part === "string" ? encoder.encode(part) : part);
            controller.close();
        },
    });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
    const events: string[] = [];
    for await (const data of serverSentEventData(stream)) events.push(data);
    return events;
}

describe("serverSentEventData", () => {
    it("yields each event's data, however the bytes are split", async () => {
        const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n';
        const bytes = new TextEncoder().encode(text);
        const oneByteAtATime = Array.from(bytes, (byte) => Uint8Array.of(byte));
        assert.deepEqual(await collect(streamOf(oneByteAtATime)), ['{"a":1}', '{"b":2}']);
    });

    it("keeps a multi-byte character split across reads", async () => {
        const bytes = new TextEncoder().encode('data: "🙂"\n\n');
        assert.deepEqual(await collect(streamOf([bytes.slice(0, 9), bytes.slice(9)])), ['"🙂"']);
    });

    it("skips comment pings and other fields, accepts CRLF and a missing final blank line", async () => {
        assert.deepEqual(await collect(streamOf([":\n\nevent: x\r\ndata: 1\r\n\r\ndata:2"])), ["1", "2"]);
    });

    it("joins the data lines of one event", async () => {
        assert.deepEqual(await collect(streamOf(["data: a\ndata: b\n\n"])), ["a\nb"]);
    });
});

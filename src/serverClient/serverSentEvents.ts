// Reads a text/event-stream body (llama-server's streamed /completion) as the `data` payload of each
// event. Comment lines (`:` pings) and other fields are skipped.

/** Yields each event's data (its `data:` lines joined by "\n") as soon as the event is complete. */
export async function* serverSentEventData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    const reader = body.getReader();
    let buffered = "";
    let dataLines: string[] = [];
    try {
        for (;;) {
            const { done, value } = await reader.read();
            buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
            // The last line of a stream that ends without a newline.
            if (done && buffered.length > 0) buffered += "\n";
            let newline: number;
            while ((newline = buffered.indexOf("\n")) !== -1) {
                const line = buffered.slice(0, newline).replace(/\r$/, "");
                buffered = buffered.slice(newline + 1);
                if (line.length === 0) {
                    if (dataLines.length > 0) yield dataLines.join("\n");
                    dataLines = [];
                } else if (line.startsWith("data:")) {
                    dataLines.push(line.slice(line.startsWith("data: ") ? 6 : 5));
                }
            }
            if (done) break;
        }
        if (dataLines.length > 0) yield dataLines.join("\n");
    } finally {
        // Closing the reader closes the connection: the server stops the request's work.
        await reader.cancel().catch(() => undefined);
    }
}

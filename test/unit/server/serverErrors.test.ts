import assert from "node:assert/strict";
import { normalizeServerUrl } from "../../../src/serverClient/LlamaServerApi";
import { connectionError, httpError, LlamaServerError } from "../../../src/serverClient/LlamaServerError";

describe("llama-server errors", () => {
    const url = "http://gpu-box:8080";

    it("turns 401 into a message that names the command to set the key", () => {
        const error = httpError(url, 401, '{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}');
        assert.equal(error.code, "UNAUTHORIZED");
        assert.match(error.message, /Invalid API Key/);
        assert.match(error.message, /Phi-2: Set Server API Key/);
        assert.equal(error.retryable, false);
    });

    it("treats 503 as overloaded and worth retrying", () => {
        const error = httpError(url, 503, '{"error":{"code":503,"message":"Loading model"}}');
        assert.equal(error.code, "OVERLOADED");
        assert.match(error.message, /Loading model/);
        assert.equal(error.retryable, true);
    });

    it("recognises a prompt too long for the server's context", () => {
        const error = httpError(url, 400, '{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it"}}');
        assert.equal(error.code, "PROMPT_TOO_LONG");
        assert.match(error.message, /-c/);
    });

    it("quotes a proxy's non-JSON error page briefly", () => {
        const error = httpError(url, 502, "<html>Bad Gateway</html>");
        assert.equal(error.code, "BAD_RESPONSE");
        assert.match(error.message, /HTTP 502: <html>Bad Gateway<\/html>/);
    });

    it("names the socket error of an unreachable server", () => {
        const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
        const error = connectionError(url, new TypeError("fetch failed", { cause }));
        assert.equal(error.code, "UNREACHABLE");
        assert.match(error.message, /ECONNREFUSED/);
        assert.match(error.message, /phi2\.server\.url/);
    });

    it("passes a server error through unchanged", () => {
        const original = new LlamaServerError("WRONG_MODEL", "not phi-2");
        assert.equal(connectionError(url, original), original);
    });

    it("accepts http(s) URLs and drops a trailing slash", () => {
        assert.equal(normalizeServerUrl(" http://127.0.0.1:8080/ "), "http://127.0.0.1:8080");
        assert.equal(normalizeServerUrl("https://llm.example.com/phi2/"), "https://llm.example.com/phi2");
    });

    for (const bad of ["", "127.0.0.1:8080", "ftp://host", "http://user:secret@host:8080"]) {
        it(`refuses ${JSON.stringify(bad)} with a BAD_URL error`, () => {
            assert.throws(() => normalizeServerUrl(bad), (error: unknown) => error instanceof LlamaServerError && error.code === "BAD_URL");
        });
    }
});

// A real llama-server on 127.0.0.1 for tests and benchmarks, built from node-llama-cpp's bundled
// llama.cpp source by .ci/build-llama-cpp.sh (cached outside the repo by commit; .ci/setup builds it).
// PHI2_LLAMA_SERVER names another binary. Each server gets a free port, one CPU thread, no web UI,
// and is stopped with its test (and when this process exits: it never outlives the test run).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { findFreePort } from "./codeServer";

const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");
/** The tiny model loads in well under a second; a busy 2-core machine may take several. */
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const KEPT_LOG_LINES = 200;

let binary: string | undefined;

/** Absolute path of llama-server: PHI2_LLAMA_SERVER, or the cached build (built first if missing). */
export function llamaServerBinary(): string {
    if (binary) return binary;
    const override = process.env.PHI2_LLAMA_SERVER;
    if (override) {
        if (!existsSync(override)) throw new Error(`PHI2_LLAMA_SERVER=${override} does not exist.`);
        binary = override;
        return binary;
    }
    // Instant when built; prints the build folder on its last line.
    const output = execFileSync("bash", [path.join(REPO_ROOT, ".ci", "build-llama-cpp.sh")], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const folder = output.trim().split("\n").pop() ?? "";
    const candidate = path.join(folder, "bin", "llama-server");
    if (!existsSync(candidate)) throw new Error(`.ci/build-llama-cpp.sh did not produce ${candidate}. Run: bash .ci/setup`);
    binary = candidate;
    return binary;
}

export interface LlamaServerOptions {
    readonly modelPath: string;
    /** Parallel slots (`-np`, default 2). */
    readonly slots?: number;
    /** Context per slot in tokens (default 2048; `-c` is this times the slots). */
    readonly slotContextSize?: number;
    readonly apiKey?: string;
    /** Reuse a port (to restart "the same" server). */
    readonly port?: number;
    readonly threads?: number;
    readonly extraArguments?: readonly string[];
}

export interface LlamaServerProcess {
    readonly url: string;
    readonly port: number;
    readonly pid: number | undefined;
    /** The last lines the server logged (for failure messages). */
    readonly logs: readonly string[];
    stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
});

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServerProcess> {
    const port = options.port ?? (await findFreePort());
    const slots = options.slots ?? 2;
    const threads = String(options.threads ?? 1);
    const args = [
        "-m", options.modelPath,
        "--host", "127.0.0.1",
        "--port", String(port),
        "-np", String(slots),
        "-c", String(slots * (options.slotContextSize ?? 2048)),
        "-t", threads,
        "-tb", threads,
        "--no-webui",
        "--no-warmup",
        "--offline",
        ...(options.apiKey ? ["--api-key", options.apiKey] : []),
        ...(options.extraArguments ?? []),
    ];
    const child = spawn(llamaServerBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const logs: string[] = [];
    const keep = (chunk: Buffer): void => {
        for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logs.push(line);
        if (logs.length > KEPT_LOG_LINES) logs.splice(0, logs.length - KEPT_LOG_LINES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const exited = new Promise<void>((resolve) => child.once("exit", () => {
        running.delete(child);
        resolve();
    }));
    const url = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
    };
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`llama-server exited with code ${child.exitCode} while starting:\n${logs.slice(-30).join("\n")}`);
        try {
            const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
            if (response.ok) break;
        } catch {
            // Not listening yet.
        }
        if (Date.now() > deadline) {
            await stop();
            throw new Error(`llama-server did not become healthy within ${START_TIMEOUT_MS} ms:\n${logs.slice(-30).join("\n")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { url, port, pid: child.pid, logs, stop };
}

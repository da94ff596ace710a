// `phi2-complete complete`: the suggestion the editor would show as ghost text at a position of a
// file, from the same core pipeline and model host as the extension (explicit trigger: no
// debounce). Prints the suggestion byte for byte, with no newline added; `--json` prints one JSON
// object (suggestion, counters, stats) and a newline.
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { CompletionEngine } from "../core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, contextBudgetTokens, withSettings } from "../core/completion/CompletionSettings";
import type { MultilineMode } from "../core/completion/CompletionSettings";
import { createTextSnapshot } from "../core/python/textSnapshot";
import { splitsSurrogatePair } from "../core/surrogatePair";
import { PROJECT_CONTEXT_MODES } from "../core/context/ProjectContext";
import type { ProjectContextMode } from "../core/context/ProjectContext";
import { defaultThreadCount } from "../hostClient/defaultThreadCount";
import { ModelHostClient, type HostClientLogger } from "../hostClient/ModelHostClient";
import { normalizeGpuMode, type GpuMode } from "../protocol/modelHostProtocol";
import { UsageError, integerFlag, parseFlags, readSourceFile, requireFile } from "./cliArguments";
import { onSignalExit } from "./signalExit";
import { writeStdout } from "./writeStdout";
import { DiskProjectFiles } from "./DiskProjectFiles";
import { renderWorkspaceContext } from "./workspaceContext";
import { LlamaServerError } from "../serverClient/LlamaServerError";
import type { ServerInfo } from "../serverClient/ServerConnection";
import { ServerTextGenerator } from "../serverClient/ServerTextGenerator";
import { createHeadlessHostClient, createHeadlessSyntaxGuard, reportEngineError, stderrLogger } from "./headlessEngine";

export const COMPLETE_USAGE = `Usage: phi2-complete complete (--model PATH | --server URL) --file F --line L --column C [options]

Prints the completion Phi-2 would show as ghost text at line L, column C of file F
(both 1-based, columns counted in UTF-16 code units as in VS Code, a tab counting 1).
The text is printed exactly, with no newline added; nothing is printed when there is
no suggestion (the reason goes to stderr).

Options:
  --model PATH        Phi-2 GGUF file (this or --server is required)
  --server URL        a llama-server serving Phi-2 instead of a local model (the prompt is sent
                      there); PHI2_SERVER_API_KEY holds its API key, if it has one
  --file F            Python file (required)
  --line L            1-based line (required)
  --column C          1-based column; the cursor is before that character (required)
  --json              print {"suggestion", "reason", "counters", "stats", "model"} as JSON
  --threads N         CPU threads (default: cores - 1 = ${defaultThreadCount()})
  --max-tokens N      generation cap (default ${DEFAULT_COMPLETION_SETTINGS.maxTokens})
  --context N         context size in tokens (default ${DEFAULT_COMPLETION_SETTINGS.contextTokens}, capped by the model)
  --multiline M       auto | always | never (default auto)
  --gpu MODE          auto | cpu | cuda | vulkan | metal (default auto: a GPU when present, else CPU)
  --workspace DIR     workspace root: definitions the file imports from other files under DIR
                      go into the prompt (project context)
  --context-mode M    none | definitions | definitions+recent (default definitions with
                      --workspace, else none)
  --no-syntax-guard   show the suggestion even if it adds a parse error
  --verbose           model host logs on stderr

Exit codes: 0 done (with or without a suggestion), 1 model or host error, 2 bad arguments or files.`;

/** As the phi2.threads setting: far more than any machine's cores, and a sane bound on what is asked. */
const MAX_THREADS = 256;

/** Nothing cancels a CLI completion: an interrupt ends the whole process instead. */
const UNCANCELLED = new AbortController().signal;

const COMPLETE_FLAGS = {
    model: "string", file: "string", line: "string", column: "string", json: "boolean", threads: "string",
    "max-tokens": "string", context: "string", multiline: "string", gpu: "string", "no-syntax-guard": "boolean",
    workspace: "string", "context-mode": "string", verbose: "boolean", help: "boolean", server: "string",
} as const;

/** A --server URL that is not http(s) is a usage error. */
function createServerGenerator(url: string, log: HostClientLogger | undefined): ServerTextGenerator {
    try {
        return new ServerTextGenerator({ url, apiKey: process.env.PHI2_SERVER_API_KEY, log });
    } catch (error) {
        if (error instanceof LlamaServerError) throw new UsageError(error.message.replace("phi2.server.url", "--server"));
        throw error;
    }
}

/** The server's info where the local host's model info goes; the context is the smaller of --context and a slot's. */
async function connectServer(generator: ServerTextGenerator, contextTokens: number): Promise<ServerInfo & { readonly contextSize: number }> {
    const info = await generator.connection.connect();
    return { ...info, contextSize: Math.min(contextTokens, info.slotContextSize) };
}

export async function runComplete(argv: readonly string[]): Promise<number> {
    const flags = parseFlags(argv, COMPLETE_FLAGS);
    if (flags.help) {
        process.stdout.write(`${COMPLETE_USAGE}\n`);
        return 0;
    }
    if (flags.model === undefined && flags.server === undefined) throw new UsageError("--model PATH is required (a Phi-2 GGUF file), or --server URL (a llama-server).");
    if (flags.model !== undefined && flags.server !== undefined) throw new UsageError("Give --model PATH or --server URL, not both.");
    if (flags.file === undefined) throw new UsageError("--file F is required.");
    const line = integerFlag("line", flags.line, 1);
    const column = integerFlag("column", flags.column, 1);
    const threads = integerFlag("threads", flags.threads, 1, defaultThreadCount(), MAX_THREADS);
    const maxTokens = integerFlag("max-tokens", flags["max-tokens"], 1, DEFAULT_COMPLETION_SETTINGS.maxTokens);
    const contextTokens = integerFlag("context", flags.context, 64, DEFAULT_COMPLETION_SETTINGS.contextTokens);
    const multiline = (flags.multiline ?? "auto") as MultilineMode;
    if (!["auto", "always", "never"].includes(multiline)) throw new UsageError(`--multiline must be auto, always or never, got "${multiline}".`);
    const gpu: GpuMode | undefined = normalizeGpuMode(flags.gpu ?? "auto");
    if (!gpu) throw new UsageError(`--gpu must be auto, cpu, cuda, vulkan or metal, got "${flags.gpu}".`);

    const contextMode = (flags["context-mode"] ?? (flags.workspace === undefined ? "none" : "definitions")) as ProjectContextMode;
    if (!PROJECT_CONTEXT_MODES.includes(contextMode)) throw new UsageError(`--context-mode must be ${PROJECT_CONTEXT_MODES.join(", ")}, got "${contextMode}".`);
    if (contextMode !== "none" && flags.workspace === undefined) throw new UsageError("--context-mode needs --workspace DIR.");

    const modelPath = flags.model === undefined ? undefined : path.resolve(flags.model);
    if (modelPath !== undefined) await requireFile(modelPath, "model file");
    const filePath = path.resolve(flags.file);
    const document = createTextSnapshot(await readSourceFile(filePath), { uri: pathToFileURL(filePath).href });
    if (line > document.lineCount) throw new UsageError(`--line ${line} is past the end of ${flags.file} (${document.lineCount} lines).`);
    const lineText = document.lineAt(line - 1);
    if (column > lineText.length + 1) throw new UsageError(`--column ${column} is past the end of line ${line} (${lineText.length} characters; the last column is ${lineText.length + 1}).`);
    if (splitsSurrogatePair(lineText, column - 1)) {
        throw new UsageError(`--column ${column} is inside a character of line ${line} (between the two UTF-16 code units of ${JSON.stringify(lineText.slice(column - 2, column))}); use column ${column - 1} or ${column + 1}.`);
    }

    const log = stderrLogger(modelPath ? "host" : "server", flags.verbose ?? false);
    const client = modelPath ? createHeadlessHostClient(log) : createServerGenerator(flags.server ?? "", log);
    // Ctrl-C / SIGTERM: the host goes with the CLI (signalExit.ts exits with 130 / 143).
    const unregister = onSignalExit(() => client.dispose());
    try {
        const model = client instanceof ModelHostClient
            ? await client.load({ modelPath: modelPath ?? "", gpu, threads, contextSize: contextTokens, sequences: 1 })
            : await connectServer(client, contextTokens);
        const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, {
            maxTokens, contextTokens: model.contextSize, multiline,
            // One answer, printed once: the whole suggestion, never a first part shown early.
            latencyBudgetMs: 0,
        });
        const syntaxGuard = flags["no-syntax-guard"] ? undefined : await createHeadlessSyntaxGuard();
        const engine = new CompletionEngine(client, { settings, syntaxGuard });
        const projectContext = flags.workspace === undefined ? undefined
            : await renderWorkspaceContext(new DiskProjectFiles(path.resolve(flags.workspace)), filePath, document, contextMode, contextBudgetTokens(settings));
        const outcome = await engine.complete({ document, position: { line: line - 1, character: column - 1 }, signal: UNCANCELLED, trigger: "explicit", projectContext });
        syntaxGuard?.dispose();
        const text = outcome.suggestion?.insertText;
        if (flags.json) {
            const { counters, ...stats } = outcome.stats;
            await writeStdout(`${JSON.stringify({ suggestion: text ?? null, reason: outcome.reason ?? null, counters: counters ?? null, stats, model }, null, 2)}\n`);
        } else if (text !== undefined) {
            await writeStdout(text);
        }
        if (text === undefined && !flags.json) process.stderr.write(`phi2-complete: no suggestion (${outcome.reason ?? "unknown"}).\n`);
        return 0;
    } catch (error) {
        if (reportEngineError("phi2-complete", error)) return 1;
        throw error;
    } finally {
        unregister();
        client.dispose();
    }
}


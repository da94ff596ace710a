// `npm start`: the extension under development, live in a real VS Code (code-server) on the sample
// workspace test/fixtures/workspace. Prints the URL to open in a browser; runs until Ctrl+C.
//
//   PHI2_MODEL_PATH=/path/to/phi-2.Q4_K_M.gguf npm start    use a real Phi-2
//   npm start                                               use the pocket model (not Phi-2)
//   PHI2_START_MODEL=scripted npm start                     use the tiny scripted test model
//   PHI2_PORT=9000 npm start                                another port (default 8080, else a free one)
import * as fs from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { ARTIFACTS_DIR, CODE_SERVER_VERSION, CodeServer, editorSettings, findFreePort, REPO_ROOT, SAMPLE_WORKSPACE } from "./codeServer";
import { verifyPocketModel } from "./pocket/pocketModel";
import { ensureScriptedModel, SCRIPTS } from "./tinyModels";

const DEFAULT_PORT = 8080;
/** Kept between runs, so the editor remembers open files and layout. */
const STATE_DIR = path.join(ARTIFACTS_DIR, "live");

async function main(): Promise<void> {
    const modelPath = await chooseModel();
    const settingsFile = path.join(STATE_DIR, "user-data", "User", "settings.json");
    const settings = { ...editorSettings({}), ...readJson(settingsFile), "phi2.modelPath": modelPath };
    const port = Number(process.env.PHI2_PORT) || ((await isPortFree(DEFAULT_PORT)) ? DEFAULT_PORT : await findFreePort());

    console.log(`Starting code-server ${CODE_SERVER_VERSION} (VS Code 1.100.3) on port ${port}...`);
    const server = await CodeServer.start({ stateDir: STATE_DIR, settings, port });
    const url = server.workbenchUrl({ folder: SAMPLE_WORKSPACE, extensionDevelopmentPath: REPO_ROOT });
    console.log("");
    console.log("Phi-2 Complete is running in VS Code. Open this URL in a browser:");
    console.log("");
    console.log(`    ${url}`);
    console.log("");
    console.log(`Workspace: ${path.relative(process.cwd(), SAMPLE_WORKSPACE) || "."} (open playground.py and type "def add(a, b):" + Enter)`);
    console.log(`Editor state and logs: ${path.relative(process.cwd(), STATE_DIR)}/ (code-server.log; Phi-2's own log: command "Phi-2: Show Logs")`);
    console.log("After changing the code: npm run build (or npm run watch), then \"Developer: Reload Window\" in the editor.");
    console.log("Press Ctrl+C to stop.");

    let stopping = false;
    const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        console.log("\nStopping code-server...");
        await server.stop();
        process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
    // Keep running until a signal arrives.
    await new Promise(() => undefined);
}

async function chooseModel(): Promise<string> {
    const fromEnv = process.env.PHI2_MODEL_PATH?.trim();
    if (fromEnv) {
        const resolved = path.resolve(fromEnv);
        if (!fs.existsSync(resolved)) throw new Error(`PHI2_MODEL_PATH points to a file that does not exist: ${resolved}`);
        console.log(`Model: ${resolved} (from PHI2_MODEL_PATH)`);
        return resolved;
    }
    if (process.env.PHI2_START_MODEL === "scripted") {
        const scripted = await ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]);
        console.log(`Model: ${path.relative(process.cwd(), scripted)}`);
        console.log("  NOTE: this is the tiny scripted TEST model, not Phi-2. It only replays fixed text: in a .py file,");
        console.log('  "def add(a, b):" + Enter suggests "return a + b".');
        return scripted;
    }
    const { path: pocket } = await verifyPocketModel();
    console.log(`Model: ${path.relative(process.cwd(), pocket)}`);
    console.log("  NOTE: this is the pocket model, NOT Phi-2: a 128-wide, 4-layer model of Phi-2's architecture that");
    console.log("  this project trained in an hour on the Python standard library. Its suggestions look like Python");
    console.log("  but are often wrong. PHI2_START_MODEL=scripted npm start uses the scripted test model instead.");
    console.log("  For real suggestions download a Phi-2 GGUF (e.g. phi-2.Q4_K_M.gguf from");
    console.log("  https://huggingface.co/TheBloke/phi-2-GGUF) and run: PHI2_MODEL_PATH=/path/to/phi-2.Q4_K_M.gguf npm start");
    return pocket;
}

function readJson(file: string): Record<string, unknown> {
    try {
        const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
        return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    } catch {
        // Missing, or edited into JSON with comments: start from the defaults.
        return {};
    }
}

async function isPortFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const probe = createServer();
        probe.once("error", () => resolve(false));
        probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});

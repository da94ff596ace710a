// A real VS Code for tests, offline: code-server (VS Code 1.100.3 in a Node server) plus headless
// Chromium driven by playwright-core. Used by the extension-host suite (test/vscode/run.ts), the UI
// test (test/ui/run.ts) and `npm start` (test/support/startLive.ts).
//
// Why code-server: @vscode/test-electron downloads VS Code and Electron, which this machine cannot.
// code-server's CLI rejects --extensionDevelopmentPath, so the extension under development (and the
// mocha entry) are passed the way @vscode/test-web does it: a `payload` query parameter on the
// workbench URL opened in the browser.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CODE_SERVER_VERSION = "4.100.3";
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SAMPLE_WORKSPACE = path.join(REPO_ROOT, "test", "fixtures", "workspace");
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "artifacts");

const CHROMIUM_PATH = process.env.PHI2_CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Flags for headless Chromium in a container: no sandbox, no GPU, no background network chatter. */
const CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-breakpad",
];
/** The server answers /healthz within a second or two; a cold 2-core machine under load can take longer. */
const HEALTH_TIMEOUT_MS = 60_000;
/** Unpacking a ~13 MB VSIX of ~1,500 files on a busy 2-core machine. */
const INSTALL_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;

/** The folder .ci/setup installs code-server into (same rule, same override). */
export function codeServerDirectory(): string {
    const override = process.env.PHI2_CODE_SERVER_DIR;
    if (override) return override;
    const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    return path.join(cacheHome, "phi2-complete", `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerEntry(): string {
    const entry = path.join(codeServerDirectory(), "node_modules", "code-server", "out", "node", "entry.js");
    if (!existsSync(entry)) {
        throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed at ${entry}. Run: bash .ci/setup`);
    }
    return entry;
}

export async function findFreePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

export interface CodeServerOptions {
    /** Folder for this run's HOME, XDG dirs, user data, extensions and logs. */
    readonly stateDir: string;
    /**
     * Settings written before start. Written both to User/settings.json and Machine/settings.json:
     * code-server windows are "remote", where machine-scoped settings (phi2.modelPath) are read
     * only from the server's Machine settings.
     */
    readonly settings: Record<string, unknown>;
    /** Extra environment for the server; the extension host inherits it. */
    readonly env?: Record<string, string>;
    readonly port?: number;
    /** Mirror the server's output to this process's stdout (npm start). */
    readonly echoOutput?: boolean;
    /** VSIX files installed with `--install-extension` before the server starts (the user's install path). */
    readonly installVsix?: readonly string[];
}

export interface WorkbenchUrlOptions {
    readonly folder: string;
    /** The extension under development (a folder with package.json). */
    readonly extensionDevelopmentPath?: string;
    /** A CommonJS module exporting run(): Promise<void>, loaded in the extension host. */
    readonly extensionTestsPath?: string;
}

export class CodeServer {
    private exited: Promise<void>;

    private constructor(
        private readonly process: ChildProcess,
        readonly port: number,
        readonly stateDir: string,
        readonly logFile: string,
    ) {
        this.exited = new Promise((resolve) => process.once("exit", () => resolve()));
    }

    get pid(): number | undefined {
        return this.process.pid;
    }

    get baseUrl(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    static async start(options: CodeServerOptions): Promise<CodeServer> {
        const entry = codeServerEntry();
        const port = options.port ?? (await findFreePort());
        const dirs = {
            home: path.join(options.stateDir, "home"),
            userData: path.join(options.stateDir, "user-data"),
            extensions: path.join(options.stateDir, "extensions"),
        };
        for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
        const settingsJson = JSON.stringify(options.settings, null, 4);
        for (const scope of ["User", "Machine"]) {
            mkdirSync(path.join(dirs.userData, scope), { recursive: true });
            writeFileSync(path.join(dirs.userData, scope, "settings.json"), settingsJson);
        }

        const logFile = path.join(options.stateDir, "code-server.log");
        const log = createWriteStream(logFile, { flags: "w" });
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            // Its own HOME and XDG dirs: any code-server run writes ~/.config/code-server/config.yaml.
            HOME: dirs.home,
            XDG_CONFIG_HOME: path.join(dirs.home, ".config"),
            XDG_DATA_HOME: path.join(dirs.home, ".local", "share"),
            XDG_CACHE_HOME: path.join(dirs.home, ".cache"),
            ...options.env,
        };
        // Not inherited: code-server would treat a PASSWORD or PORT from the caller as its own config.
        delete env.PASSWORD;
        delete env.HASHED_PASSWORD;
        delete env.PORT;
        const profileArguments = ["--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions];
        for (const vsix of options.installVsix ?? []) {
            execFileSync(process.execPath, [entry, ...profileArguments, "--install-extension", vsix], { env, stdio: ["ignore", "pipe", "pipe"], timeout: INSTALL_TIMEOUT_MS });
        }
        const child = spawn(
            process.execPath,
            [
                entry,
                "--bind-addr", `127.0.0.1:${port}`,
                "--auth", "none",
                "--user-data-dir", dirs.userData,
                "--extensions-dir", dirs.extensions,
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                "--disable-getting-started-override",
                "--ignore-last-opened",
            ],
            // Its own process group, so stop() also ends the extension host and the model host it forks.
            { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
        );
        for (const stream of [child.stdout, child.stderr]) {
            stream?.on("data", (chunk: Buffer) => {
                log.write(chunk);
                if (options.echoOutput) process.stdout.write(chunk);
            });
        }
        child.once("exit", () => log.end());
        // If this process dies without stop() (an exception, a second Ctrl+C), take the editor along.
        const killOnExit = (): void => signalGroup(child.pid ?? 0, "SIGKILL");
        process.once("exit", killOnExit);
        child.once("exit", () => process.removeListener("exit", killOnExit));
        const server = new CodeServer(child, port, options.stateDir, logFile);
        try {
            await server.waitForHealth();
        } catch (error) {
            await server.stop();
            throw error;
        }
        return server;
    }

    private async waitForHealth(): Promise<void> {
        const deadline = Date.now() + HEALTH_TIMEOUT_MS;
        let exitCode: number | null = null;
        this.process.once("exit", (code) => (exitCode = code ?? -1));
        for (;;) {
            if (exitCode !== null) {
                throw new Error(`code-server exited with code ${exitCode} before it was healthy; see ${this.logFile}`);
            }
            try {
                const response = await fetch(`${this.baseUrl}/healthz`);
                if (response.ok) return;
            } catch {
                // Not listening yet.
            }
            if (Date.now() > deadline) {
                throw new Error(`code-server did not answer ${this.baseUrl}/healthz within ${HEALTH_TIMEOUT_MS} ms; see ${this.logFile}`);
            }
            await delay(200);
        }
    }

    /** The workbench URL; the payload carries the extension under development and the test entry. */
    workbenchUrl(options: WorkbenchUrlOptions): string {
        const remote = (absolutePath: string) => `vscode-remote://127.0.0.1:${this.port}${absolutePath}`;
        const payload: [string, string][] = [];
        if (options.extensionDevelopmentPath) payload.push(["extensionDevelopmentPath", remote(options.extensionDevelopmentPath)]);
        if (options.extensionTestsPath) payload.push(["extensionTestsPath", remote(options.extensionTestsPath)]);
        const query = new URLSearchParams({ folder: options.folder });
        if (payload.length > 0) query.set("payload", JSON.stringify(payload));
        return `${this.baseUrl}/?${query.toString()}`;
    }

    /** Stops the server and everything it started (extension host, model host) by its process group. */
    async stop(): Promise<void> {
        const pid = this.process.pid;
        if (pid === undefined || this.process.exitCode !== null || this.process.signalCode !== null) return;
        signalGroup(pid, "SIGTERM");
        const stopped = await Promise.race([this.exited.then(() => true), delay(STOP_GRACE_MS).then(() => false)]);
        if (!stopped) {
            signalGroup(pid, "SIGKILL");
            await this.exited;
        }
        // Children that outlive the server's exit (the extension host shuts down on its own time).
        await delay(100);
        signalGroup(pid, "SIGKILL");
    }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
    if (pid <= 0) return;
    try {
        process.kill(-pid, signal);
    } catch {
        // The group is already gone.
    }
}

export function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface BrowserSession {
    readonly context: BrowserContext;
    readonly page: Page;
    close(): Promise<void>;
}

/** Headless Chromium with a fresh profile inside `stateDir`. */
export async function launchBrowser(stateDir: string): Promise<BrowserSession> {
    if (!existsSync(CHROMIUM_PATH)) {
        throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it (apt-get install chromium) or set PHI2_CHROMIUM_PATH.`);
    }
    const profileDir = path.join(stateDir, "chromium-profile");
    await fs.rm(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
    const context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_FLAGS,
        env: { ...process.env, HOME: profileDir },
        viewport: { width: 1280, height: 800 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return { context, page, close: () => context.close() };
}

export interface ExtensionTestRun {
    readonly exitCode: number;
    readonly logs: string[];
}

/**
 * Opens the workbench with the mocha entry in the payload and waits for the extension host to
 * call codeAutomationExit (the hook VS Code's web test runner uses to report the exit code).
 */
export async function runExtensionTests(
    server: CodeServer,
    browser: BrowserSession,
    options: Required<Pick<WorkbenchUrlOptions, "extensionDevelopmentPath" | "extensionTestsPath" | "folder">> & {
        readonly timeoutMs: number;
        readonly onLog?: (line: string) => void;
    },
): Promise<ExtensionTestRun> {
    const logs: string[] = [];
    let finish: (code: number) => void = () => undefined;
    const finished = new Promise<number>((resolve) => (finish = resolve));
    await browser.page.exposeFunction("codeAutomationLog", (type: string, args: unknown[]) => {
        const line = `[${type}] ${(Array.isArray(args) ? args : [args]).map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(" ")}`;
        logs.push(line);
        options.onLog?.(line);
    });
    await browser.page.exposeFunction("codeAutomationExit", (code: number) => finish(code));
    await browser.page.goto(server.workbenchUrl(options));
    await browser.page.bringToFront();
    const timeout = delay(options.timeoutMs).then(() => -1);
    const exitCode = await Promise.race([finished, timeout]);
    if (exitCode === -1) logs.push(`timed out after ${options.timeoutMs} ms waiting for the extension tests to finish`);
    return { exitCode, logs };
}

/** A fresh copy of the sample workspace, so tests never edit the committed files. */
export async function copySampleWorkspace(destination: string): Promise<string> {
    await fs.rm(destination, { recursive: true, force: true });
    await fs.cp(SAMPLE_WORKSPACE, destination, { recursive: true });
    return destination;
}

/** Editor settings that keep test runs quiet and deterministic, plus the given phi2.* settings. */
export function editorSettings(phi2: Record<string, unknown>): Record<string, unknown> {
    return {
        "workbench.startupEditor": "none",
        "workbench.enableExperiments": false,
        "workbench.tips.enabled": false,
        "telemetry.telemetryLevel": "off",
        "security.workspace.trust.enabled": false,
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "update.mode": "none",
        "chat.disableAIFeatures": true,
        "editor.inlineSuggest.enabled": true,
        // Word-based suggestions would open the suggest widget over the ghost text while typing.
        "editor.quickSuggestions": { other: false, comments: false, strings: false },
        "editor.suggestOnTriggerCharacters": false,
        "editor.wordBasedSuggestions": "off",
        "files.autoSave": "off",
        // The workspace copy lives inside this repository: no "open the parent repository?" prompt.
        "git.openRepositoryInParentFolders": "never",
        ...phi2,
    };
}

/**
 * A fresh folder for one run under artifacts/<name>/ (run-<pid>), so test runs started at the same
 * time (several terminals, several agents) never share editor state. Folders of runs whose process
 * is gone are removed; the newest finished one is kept for looking at its logs and screenshots.
 */
export function freshRunDirectory(name: string): string {
    const parent = path.join(ARTIFACTS_DIR, name);
    mkdirSync(parent, { recursive: true });
    const finished = readdirSync(parent)
        .map((entry) => ({ entry, pid: Number(/^run-(\d+)$/.exec(entry)?.[1]) }))
        .filter(({ pid }) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid))
        .map(({ entry }) => ({ entry, modified: statSync(path.join(parent, entry)).mtimeMs }))
        .sort((a, b) => b.modified - a.modified);
    for (const { entry } of finished.slice(1)) rmSync(path.join(parent, entry), { recursive: true, force: true });
    const runDir = path.join(parent, `run-${process.pid}`);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    return runDir;
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

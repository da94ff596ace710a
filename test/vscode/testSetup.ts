// What both runners of the extension-host suite (code-server: run.ts, downloaded VS Code:
// runElectron.ts) prepare: the tiny scripted models, a llama-server for the server backend, a fresh
// workspace copy, the settings and the environment the suite reads, and the printed report.
import * as fs from "node:fs";
import * as path from "node:path";
import { copySampleWorkspace, editorSettings, freshRunDirectory, REPO_ROOT } from "../support/codeServer";
import { startLlamaServer } from "../support/llamaServer";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import type { TestReport } from "./index";
import type { SuiteEnvironment } from "./suiteEnvironment";

export const EXTENSION_TESTS_ENTRY = path.join(REPO_ROOT, "dist", "test", "vscode", "index.js");

export interface PreparedSuite {
    readonly stateDir: string;
    readonly workspace: string;
    readonly resultsFile: string;
    readonly settings: Record<string, unknown>;
    readonly env: Record<string, string>;
    /** Stops what the suite started (the llama-server). */
    stop(): Promise<void>;
}

/** The key the suite's llama-server is started with (a test value, not a secret). */
const TEST_SERVER_API_KEY = "phi2-test-key";

export async function prepareSuite(name: string): Promise<PreparedSuite> {
    if (!fs.existsSync(EXTENSION_TESTS_ENTRY)) throw new Error(`${EXTENSION_TESTS_ENTRY} is missing: run npm run build first.`);
    const stateDir = freshRunDirectory(name);
    // One model serves completion and explain scripts; the exact-text script conflicts with the
    // add script (same token pair, different continuations), so it gets its own model.
    const [completionModel, exactTextModel, randomModel] = await Promise.all([
        ensureScriptedModel([SCRIPTS.add, SCRIPTS.explain]),
        ensureScriptedModel(SCRIPTS.exactText),
        ensureRandomModel(),
    ]);
    const workspace = await copySampleWorkspace(path.join(stateDir, "workspace"));
    const resultsFile = path.join(stateDir, "results.json");
    // Three slots: two documents and the explanations' own.
    const llamaServer = await startLlamaServer({ modelPath: completionModel, slots: 3, apiKey: TEST_SERVER_API_KEY });
    const suite: SuiteEnvironment = { completionModel, exactTextModel, randomModel, workspace, scripts: SCRIPTS, serverUrl: llamaServer.url, serverApiKey: TEST_SERVER_API_KEY };
    return {
        stateDir,
        workspace,
        resultsFile,
        settings: editorSettings({
            "phi2.modelPath": completionModel,
            // The machine is shared by several test processes: one thread keeps the tiny model fast.
            "phi2.threads": 1,
            "phi2.gpu": "off",
        }),
        env: {
            PHI2_TEST: "1",
            PHI2_TEST_RESULTS: resultsFile,
            PHI2_TEST_SUITE: JSON.stringify(suite),
            ...(process.env.PHI2_TEST_GREP ? { PHI2_TEST_GREP: process.env.PHI2_TEST_GREP } : {}),
            ...(process.env.PHI2_VSCODE_KILL_ROUNDS ? { PHI2_VSCODE_KILL_ROUNDS: process.env.PHI2_VSCODE_KILL_ROUNDS } : {}),
        },
        stop: () => llamaServer.stop(),
    };
}

/** Prints the suite's JSON report and a final summary line; returns the number of failures. */
export function printReport(label: string, resultsFile: string, exitCode: number, logHint: string): number {
    if (!fs.existsSync(resultsFile)) {
        console.log(`${label}: no results were written (exit code ${exitCode}); see ${logHint}`);
        console.log(`${label}: 0 passed, 1 failed`);
        return 1;
    }
    const report = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as TestReport;
    for (const test of report.tests) {
        const mark = test.state === "passed" ? "ok  " : test.state === "failed" ? "FAIL" : "skip";
        console.log(`  ${mark} ${test.title}${test.durationMs !== undefined ? ` (${test.durationMs} ms)` : ""}`);
        if (test.error) console.log(test.error.replace(/^/gm, "         "));
    }
    const failed = report.failed + (exitCode !== 0 && report.failed === 0 ? 1 : 0);
    if (exitCode !== 0 && report.failed === 0) console.log(`  FAIL the run exited with code ${exitCode}; see ${logHint}`);
    console.log(`${label}: ${report.passed} passed, ${failed} failed${report.pending ? `, ${report.pending} pending` : ""}`);
    return failed;
}

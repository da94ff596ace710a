// `npm run test:ui`: the UI tests in headless Chromium on a real VS Code (code-server), with one
// pass/fail summary line. Each suite starts its own editor(s); screenshots go under artifacts/.
import * as path from "node:path";
import { REPO_ROOT } from "../support/codeServer";
import { runTestRunner } from "../support/runnerMain";
import { runCompletionUiTests, type UiTestResult } from "./completion.ui";
import { runExplainUiTests } from "./explain.ui";
import { runInstallUiTests } from "./install.ui";

const LABEL = "UI tests (code-server + Chromium)";

function print(results: readonly UiTestResult[]): void {
    for (const result of results) {
        console.log(`  ${result.passed ? "ok  " : "FAIL"} ${result.title} (${result.durationMs} ms)`);
        if (result.error) console.log(result.error.replace(/^/gm, "         "));
    }
}

/** PHI2_UI_SUITES=completion,explain runs only those suites (while iterating on one). */
function wanted(suite: "completion" | "install" | "explain"): boolean {
    const only = process.env.PHI2_UI_SUITES;
    return !only || only.split(",").map((name) => name.trim()).includes(suite);
}

async function main(): Promise<number> {
    const all: UiTestResult[] = [];
    if (wanted("completion")) await runCompletionSuite(all);
    if (wanted("install")) await runInstallSuite(all);
    if (wanted("explain")) {
        console.log("explain this code");
        const explain = await runExplainUiTests();
        print(explain);
        all.push(...explain);
    }

    const failed = all.filter((result) => !result.passed).length;
    console.log(`${LABEL}: ${all.length - failed} passed, ${failed} failed`);
    return failed;
}

async function runCompletionSuite(all: UiTestResult[]): Promise<void> {
    console.log("inline completion");
    const completion = await runCompletionUiTests();
    print(completion.results);
    if (completion.screenshots.length > 0) console.log(`  screenshots: ${completion.screenshots.map((file) => path.relative(REPO_ROOT, file)).join(", ")}`);
    if (completion.results.some((result) => !result.passed)) {
        console.log(`  logs: ${completion.runDirs.map((dir) => path.relative(REPO_ROOT, dir)).join(", ")} (code-server.log, user-data/logs/)`);
    }
    all.push(...completion.results);
}

async function runInstallSuite(all: UiTestResult[]): Promise<void> {
    console.log("install from the VSIX, download the model");
    const install = await runInstallUiTests();
    print(install.results);
    console.log(`  VSIX (linux-x64): ${(install.vsixBytes / 1024 / 1024).toFixed(1)} MB`);
    if (install.screenshots.length > 0) console.log(`  screenshots: ${install.screenshots.map((file) => path.relative(REPO_ROOT, file)).join(", ")}`);
    if (install.results.some((result) => !result.passed)) console.log(`  logs: ${install.runDirs.map((dir) => path.relative(REPO_ROOT, dir)).join(", ")}`);
    all.push(...install.results);
}

runTestRunner(LABEL, main);

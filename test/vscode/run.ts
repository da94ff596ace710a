// `npm run test:vscode`: runs the extension-host mocha suite inside a real VS Code (code-server
// 4.100.3 = VS Code 1.100.3) driven by headless Chromium, and prints a pass/fail summary.
import * as fs from "node:fs";
import * as path from "node:path";
import { CodeServer, launchBrowser, REPO_ROOT, runExtensionTests } from "../support/codeServer";
import { runTestRunner } from "../support/runnerMain";
import { EXTENSION_TESTS_ENTRY, prepareSuite, printReport, type PreparedSuite } from "./testSetup";

/**
 * The suite takes a few minutes (the crash-recovery kill loop most of it); this bounds a hang. A
 * longer kill loop (PHI2_VSCODE_KILL_ROUNDS, 4 kills a round) gets up to 45 s per kill more.
 */
const SUITE_TIMEOUT_MS = 10 * 60_000 + Number(process.env.PHI2_VSCODE_KILL_ROUNDS ?? 0) * 4 * 45_000;
const LABEL = "extension host tests (code-server)";

async function main(): Promise<number> {
    const suite = await prepareSuite("vscode-test");
    let exitCode = 1;
    try {
        exitCode = await runSuite(suite);
    } finally {
        await suite.stop();
    }
    return printReport(LABEL, suite.resultsFile, exitCode, `${suite.stateDir}/workbench.log and code-server.log`);
}

async function runSuite(suite: PreparedSuite): Promise<number> {
    const server = await CodeServer.start({ stateDir: suite.stateDir, settings: suite.settings, env: suite.env });
    let exitCode = 1;
    try {
        const browser = await launchBrowser(suite.stateDir);
        try {
            const verbose = process.env.PHI2_TEST_VERBOSE === "1";
            const run = await runExtensionTests(server, browser, {
                folder: suite.workspace,
                extensionDevelopmentPath: REPO_ROOT,
                extensionTestsPath: EXTENSION_TESTS_ENTRY,
                timeoutMs: SUITE_TIMEOUT_MS,
                onLog: verbose ? (line) => console.log(line) : undefined,
            });
            exitCode = run.exitCode;
            fs.writeFileSync(path.join(suite.stateDir, "workbench.log"), run.logs.join("\n"));
        } finally {
            await browser.close();
        }
    } finally {
        await server.stop();
    }
    return exitCode;
}

runTestRunner(LABEL, main);

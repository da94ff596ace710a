// `npm run test:electron`: the same extension-host suite in desktop VS Code, downloaded by
// @vscode/test-electron (needs internet; CI here uses code-server instead, see run.ts).
// PHI2_VSCODE_VERSION picks the version (default: the engines.vscode minimum, 1.100.3).
import * as fs from "node:fs";
import * as path from "node:path";
import { runTests } from "@vscode/test-electron";
import { REPO_ROOT } from "../support/codeServer";
import { runTestRunner } from "../support/runnerMain";
import { EXTENSION_TESTS_ENTRY, prepareSuite, printReport } from "./testSetup";

const LABEL = "extension host tests (VS Code desktop)";

async function main(): Promise<number> {
    const suite = await prepareSuite("electron-test");
    const userDataDir = path.join(suite.stateDir, "user-data");
    // A local window reads machine-scoped settings from the user settings file.
    fs.mkdirSync(path.join(userDataDir, "User"), { recursive: true });
    fs.writeFileSync(path.join(userDataDir, "User", "settings.json"), JSON.stringify(suite.settings, null, 4));
    let exitCode = 0;
    try {
        await runTests({
            version: process.env.PHI2_VSCODE_VERSION ?? "1.100.3",
            extensionDevelopmentPath: REPO_ROOT,
            extensionTestsPath: EXTENSION_TESTS_ENTRY,
            extensionTestsEnv: suite.env,
            launchArgs: [
                suite.workspace,
                "--user-data-dir", userDataDir,
                "--extensions-dir", path.join(suite.stateDir, "extensions"),
                "--disable-extensions",
                "--disable-workspace-trust",
                "--skip-welcome",
                "--skip-release-notes",
            ],
        });
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(message);
        if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(message)) {
            console.error("Downloading VS Code needs internet access. Offline, run the same suite in code-server: npm run test:vscode");
        }
        exitCode = 1;
    } finally {
        await suite.stop();
    }
    return printReport(LABEL, suite.resultsFile, exitCode, path.join(userDataDir, "logs"));
}

runTestRunner(LABEL, main);

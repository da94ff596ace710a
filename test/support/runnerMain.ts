// The common ending of the editor test runners: exit 1 when a test failed, and when the runner
// itself fails, still print the suite's closing "N passed, N failed" line so the summary counts it.
export function runTestRunner(label: string, main: () => Promise<number>): void {
    main().then(
        (failed) => process.exit(failed > 0 ? 1 : 0),
        (error: unknown) => {
            console.error(error instanceof Error ? error.stack ?? error.message : error);
            console.log(`${label}: 0 passed, 1 failed (the runner itself failed)`);
            process.exit(1);
        },
    );
}

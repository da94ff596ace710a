// `phi2-complete bench quality --quick --json` end to end on the committed pocket model, through the
// real model host (build first: `npm run build`; `npm run test:model` does). Quality figures are
// benchmark results, not asserted; their presence and ranges are, and the safety fields must be 0:
// no shown suggestion may add a parse error or repeat the text after the cursor.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { verifyPocketModel } from "../support/pocket/pocketModel";

const CLI = path.resolve(__dirname, "..", "..", "dist", "cli.mjs");

const RATES = ["lineExactMatch", "lineEditSimilarity", "shownRate", "keystrokesSaved"] as const;

function runQuality(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, "bench", "quality", ...args], { encoding: "utf8", timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
        });
    });
}

function assertFigures(figures: Record<string, unknown>, name: string): void {
    for (const rate of RATES) {
        const value = figures[rate];
        assert.ok(typeof value === "number" && value >= 0 && value <= 1, `${name}.${rate} should be in [0, 1], got ${String(value)}`);
    }
    assert.equal(figures.parseErrorsAdded, 0, `${name}: shown suggestions added parse errors`);
    assert.equal(figures.suffixDuplicates, 0, `${name}: shown suggestions repeated the text after the cursor`);
}

describe("phi2-complete bench quality --quick --json (pocket model)", function () {
    this.timeout(180_000);

    it("prints the quality fields for the default variant and each variant, with no unsafe suggestion", async () => {
        const { path: modelPath } = await verifyPocketModel();
        const { code, stdout, stderr } = await runQuality(["--quick", "--json", "--model", modelPath, "--threads", "1"]);
        assert.equal(code, 0, stderr);
        const result = JSON.parse(stdout) as { quality: Record<string, unknown> & { variants: Record<string, Record<string, unknown>> }; corpus: { lineSpots: number; blockSpots: number } };
        assert.ok(result.corpus.lineSpots > 0 && result.corpus.blockSpots > 0, JSON.stringify(result.corpus));
        assertFigures(result.quality, "quality");
        assert.deepEqual(Object.keys(result.quality.variants), ["default", "guardOff"]);
        assertFigures(result.quality.variants.default!, "variants.default");
        for (const rate of RATES) assert.equal(result.quality.variants.default![rate], result.quality[rate], `quality.${rate} is the default variant's`);
    });

    it("gives a context variant's project context to its spots and to its typing replay", async () => {
        const { path: modelPath } = await verifyPocketModel();
        const { code, stdout, stderr } = await runQuality(["--quick", "--json", "--model", modelPath, "--threads", "1", "--variants", "contextDefinitions"]);
        assert.equal(code, 0, stderr);
        type Figures = Record<string, unknown> & { contextTokensPerRequest: number; replay: { requestsWithContext: number } };
        const { variants } = (JSON.parse(stdout) as { quality: { variants: Record<string, Figures> } }).quality;
        assert.deepEqual(Object.keys(variants), ["default", "contextDefinitions"]);
        assertFigures(variants.contextDefinitions!, "variants.contextDefinitions");
        assert.equal(variants.default!.contextTokensPerRequest, 0);
        assert.equal(variants.default!.replay.requestsWithContext, 0);
        assert.ok(variants.contextDefinitions!.contextTokensPerRequest > 0, JSON.stringify(variants.contextDefinitions));
        assert.ok(variants.contextDefinitions!.replay.requestsWithContext > 0, JSON.stringify(variants.contextDefinitions!.replay));
    });
});

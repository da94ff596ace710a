// Step 1 of the pocket recipe: the stdlib corpus as Phi-2 token ids (llama.cpp's own tokenizer,
// loaded from the tiny phi2 GGUF, so training sees exactly the ids the extension will send).
// Each file is followed by <|endoftext|>, the document separator Phi-2 was trained with.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadStdlibCorpus, type StdlibCorpus } from "../../../src/bench/quality/stdlibCorpus";
import { END_OF_TEXT_TOKEN, loadTokenizer } from "../tinyModels";

export interface TokenizedSplit {
    readonly path: string;
    readonly files: number;
    readonly tokens: number;
}

async function tokenizeFiles(corpus: StdlibCorpus, files: readonly string[], outputPath: string): Promise<TokenizedSplit> {
    const tokenizer = await loadTokenizer();
    const chunks: Uint16Array[] = [];
    let total = 0;
    for (const file of files) {
        const text = await readFile(join(corpus.stdlibDirectory, file), "utf8");
        const ids = [...tokenizer.tokenize(text), END_OF_TEXT_TOKEN];
        chunks.push(Uint16Array.from(ids)); // every Phi-2 id (< 51,200) fits in 16 bits
        total += ids.length;
    }
    const all = new Uint16Array(total);
    let offset = 0;
    for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.length;
    }
    await writeFile(outputPath, Buffer.from(all.buffer, all.byteOffset, all.byteLength));
    return { path: outputPath, files: files.length, tokens: total };
}

/** The exact file lists, one "<split> <relative path>" a line, for the repository's record. */
export function formatCorpusFileList(corpus: StdlibCorpus): string {
    return [
        ...corpus.trainingFiles.map((file) => `train ${file}`),
        ...corpus.heldOutFiles.map((file) => `heldout ${file}`),
    ].join("\n") + "\n";
}

export async function tokenizeCorpus(stdlibDirectory: string, outputDirectory: string): Promise<{ corpus: StdlibCorpus; train: TokenizedSplit; heldOut: TokenizedSplit }> {
    const corpus = await loadStdlibCorpus(stdlibDirectory);
    await mkdir(outputDirectory, { recursive: true });
    const train = await tokenizeFiles(corpus, corpus.trainingFiles, join(outputDirectory, "train.u16"));
    const heldOut = await tokenizeFiles(corpus, corpus.heldOutFiles, join(outputDirectory, "heldout.u16"));
    return { corpus, train, heldOut };
}

// The Phi-2 GGUF files "Phi-2: Download Model" offers, each pinned to the SHA-256 that Hugging Face
// publishes for it (the Git LFS object id on the file's page, also sent as X-Linked-Etag). A file
// is renamed into place only when its hash matches, so a mirror (phi2.download.baseUrl) cannot
// hand out anything else.

export interface CatalogueEntry {
    /** The quantization, also the id a command argument names (e.g. "Q4_K_M"). */
    readonly id: string;
    readonly fileName: string;
    /** Size as published (rounded by Hugging Face): for the disk space check and the picker. */
    readonly approximateBytes: number;
    /** Lower-case hex SHA-256 of the whole file. */
    readonly sha256: string;
    readonly description: string;
}

/** Where the files are fetched from unless phi2.download.baseUrl says otherwise. */
export const DEFAULT_DOWNLOAD_BASE_URL = "https://huggingface.co/TheBloke/phi-2-GGUF/resolve/main";

const GB = 1e9;

// Hashes from the files' pages on huggingface.co/TheBloke/phi-2-GGUF ("Git LFS Details").
// Q8_0 (2.96 GB) is not offered: its published hash could not be checked from here, and an
// unpinned file would break the promise that nothing unverified is loaded.
export const PHI2_CATALOGUE: readonly CatalogueEntry[] = [
    {
        id: "Q4_K_M",
        fileName: "phi-2.Q4_K_M.gguf",
        approximateBytes: 1.79 * GB,
        sha256: "324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499",
        description: "Recommended: the best balance of quality, speed and memory on a laptop CPU.",
    },
    {
        id: "Q5_K_M",
        fileName: "phi-2.Q5_K_M.gguf",
        approximateBytes: 2.07 * GB,
        sha256: "ce6bcc8fa75b467e1eb693bcc921fe366ceac14aa92ec3dc84da536c2289510a",
        description: "Slightly better suggestions, a little slower, about 300 MB more memory.",
    },
];

export const DEFAULT_CATALOGUE_ENTRY = PHI2_CATALOGUE[0];

export function findCatalogueEntry(id: string, catalogue: readonly CatalogueEntry[] = PHI2_CATALOGUE): CatalogueEntry | undefined {
    return catalogue.find((entry) => entry.id.toLowerCase() === id.toLowerCase() || entry.fileName === id);
}

/** The file's URL under a base URL (a Hugging Face `resolve/<revision>` folder or a mirror's folder). */
export function catalogueFileUrl(baseUrl: string, entry: CatalogueEntry): string {
    return `${baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(entry.fileName)}`;
}

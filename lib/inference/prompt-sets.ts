/**
 * The built-in prompt sets that ship with GenEval's metadata (data/<set>/evaluation_metadata.jsonl),
 * so GenEval can score their images: GenEval's own 553 prompts and the shapes world's 87 (its
 * circles, squares and triangles, judged by the shapes detector). No node imports here: client
 * forms read the labels too.
 */
export const GENEVAL_PROMPT_SETS = ['geneval', 'shapes'] as const;
export type TGenEvalPromptSet = (typeof GENEVAL_PROMPT_SETS)[number];

export const GENEVAL_PROMPT_SET_LABELS: Record<TGenEvalPromptSet, string> = {
  geneval: 'GenEval (553)',
  shapes: 'Shapes world (87 GenEval-style prompts for the built-in shapes model)',
};

export const isGenEvalPromptSet = (name: string): name is TGenEvalPromptSet => (GENEVAL_PROMPT_SETS as readonly string[]).includes(name);

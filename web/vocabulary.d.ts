// Types of vocabulary.js for TypeScript (core/tags/vocabulary.ts checks the data itself at load).

/** One feature group of the vocabulary (see vocabulary.js for each field). */
export interface VocabularyGroupData {
  name: string;
  label: string;
  columns: string[];
  phrase: string;
  values: string[];
  phrases?: Record<string, string>;
  words?: Record<string, string>;
  aliases?: Record<string, string[]>;
}

export declare const VOCABULARY: VocabularyGroupData[];

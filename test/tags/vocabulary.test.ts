import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAG_TEMPLATES, tagPrompts, vocabularyHash } from '#core/tags/prompts.ts';
import { TAG_GROUP_NAMES, TAG_VOCABULARY, tagGroup, vocabularyValue } from '#core/tags/vocabulary.ts';

// The page's pickers (web/features.js) and the tagger (core/tags/) read one vocabulary file: they cannot drift.

interface PageFeature {
  name: string;
  label: string;
  choices: string[];
}
const web = (file: string) => path.resolve(import.meta.dirname, '../../web', file);
const page = (await import(web('features.js'))) as { FEATURES: PageFeature[] };

describe('the tag vocabulary', () => {
  it('is what the page offers: the same groups, labels and values, in the same order', () => {
    // Act
    const pickers = page.FEATURES.map((f) => ({ name: f.name, label: f.label, values: f.choices }));
    const tagger = TAG_VOCABULARY.map((g) => ({ name: g.name, label: g.label, values: [...g.values] }));
    // Assess
    expect(pickers).toEqual(tagger);
    expect(TAG_GROUP_NAMES).toEqual([
      'type',
      'colour',
      'pattern',
      'sleeve',
      'neckline',
      'fit',
      'length',
      'material',
      'occasion',
    ]);
  });

  it('comes from one file: the page keeps no list of its own', async () => {
    // Act
    const source = await readFile(web('features.js'), 'utf8');
    // Assess
    expect(source).toContain("from './vocabulary.js'");
    expect(source).not.toMatch(/'polka-dot'|'turtleneck'|'knee-length'/);
  });

  it('describes each value as a garment, with its article', () => {
    expect(tagGroup('colour')?.descriptions.red).toBe('a red garment');
    expect(tagGroup('type')?.descriptions.jeans).toBe('a pair of jeans');
    expect(tagGroup('type')?.descriptions['t-shirt']).toBe('a t-shirt');
    expect(tagGroup('fit')?.descriptions.oversized).toBe('an oversized garment');
    expect(tagGroup('fit')?.descriptions.slim).toBe('a slim-fit garment');
    expect(tagGroup('occasion')?.descriptions.office).toBe('a garment for the office');
  });

  it('reads catalog spellings as vocabulary values through the aliases, or as none', () => {
    const pattern = tagGroup('pattern');
    const colour = tagGroup('colour');
    if (!pattern || !colour) throw new Error('groups missing');
    expect(vocabularyValue(pattern, 'Stripes')).toBe('striped');
    expect(vocabularyValue(pattern, 'polka dot')).toBe('polka-dot');
    expect(vocabularyValue(pattern, 'solid')).toBe('plain');
    expect(vocabularyValue(colour, ' Gray ')).toBe('grey');
    expect(vocabularyValue(colour, 'teal')).toBeUndefined();
  });
});

describe('the tag prompts', () => {
  it('are every value in each template: a CLIP-style photo prompt and the bare, title-like description', () => {
    // Act
    const prompts = tagPrompts();
    // Assess
    expect(TAG_TEMPLATES).toEqual(['a photo of {description}', '{description}']);
    expect(prompts).toHaveLength(TAG_VOCABULARY.reduce((n, g) => n + g.values.length, 0));
    expect(prompts.find((p) => p.group === 'pattern' && p.value === 'striped')?.texts).toEqual([
      'a photo of a striped garment',
      'a striped garment',
    ]);
  });

  it('are named by a hash that changes with the vocabulary or the templates', () => {
    // Act
    const hash = vocabularyHash();
    // Assess
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(vocabularyHash()).toBe(hash);
    expect(vocabularyHash(TAG_VOCABULARY, ['{description}'])).not.toBe(hash);
    expect(vocabularyHash(TAG_VOCABULARY.slice(1))).not.toBe(hash);
  });
});

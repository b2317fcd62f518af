import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The page's DOM-free modules (web/features.js, web/state.js) run in Node as they are: no browser needed.

type Picks = Record<string, string>;
interface Features {
  composeSentence(picks: Picks): string;
  updateQuery(current: string, before: Picks, after: Picks, name: string): string;
  picksIn(text: string): Picks;
}
interface PageState {
  q: string;
  product: string;
  imageUrl: string;
  upload: boolean;
  filters: Record<string, string>;
}
interface State {
  stateFromUrl(href: string): PageState;
  urlFromState(state: PageState, base: string): string;
  modeOf(state: PageState): string;
}

const web = (file: string) => path.resolve(import.meta.dirname, '../../web', file);
const features = (await import(web('features.js'))) as Features;
const state = (await import(web('state.js'))) as State;

describe('the query sentence the pickers write', () => {
  it('puts picked words in reading order whatever order they were picked in', () => {
    expect(features.composeSentence({ type: 'shirt', occasion: 'office', colour: 'red', fit: 'slim' })).toBe(
      'slim red shirt for the office',
    );
  });

  it('rebuilds a sentence the shopper has not touched', () => {
    expect(
      features.updateQuery(
        'red shirt',
        { type: 'shirt', colour: 'red' },
        { type: 'shirt', colour: 'blue' },
        'colour',
      ),
    ).toBe('blue shirt');
  });

  it('keeps words typed around the picked words', () => {
    const before = { type: 'shirt', colour: 'red' };
    const after = { ...before, pattern: 'striped' };
    expect(features.updateQuery('a red shirt with pockets', before, after, 'pattern')).toBe(
      'a red striped shirt with pockets',
    );
  });

  it('swaps only the changed word when the shopper rewrote the sentence', () => {
    const before = { type: 'dress', colour: 'red' };
    expect(
      features.updateQuery('long Red summer dress', before, { ...before, colour: 'green' }, 'colour'),
    ).toBe('long green summer dress');
    expect(features.updateQuery('long red summer dress', before, { type: 'dress' }, 'colour')).toBe(
      'long summer dress',
    );
    expect(features.updateQuery('something comfy', before, { ...before, fit: 'loose' }, 'fit')).toBe(
      'something comfy loose',
    );
  });

  it('reads the picks back from a shared sentence, word for word', () => {
    expect(features.picksIn('red long-sleeved t-shirt for the office')).toEqual({
      type: 't-shirt',
      colour: 'red',
      sleeve: 'long-sleeved',
      occasion: 'office',
    });
  });
});

describe('the state in the URL', () => {
  it('round-trips the query, the filters and the focused product', () => {
    const href = 'http://localhost/?q=red+shirt&product=s003&category=tops&price_max=60&k=8';
    const read = state.stateFromUrl(href);
    expect(read).toEqual({
      q: 'red shirt',
      product: 's003',
      imageUrl: '',
      upload: false,
      filters: { category: 'tops', price_max: '60', k: '8' },
    });
    expect(state.modeOf(read)).toBe('product');
    expect(state.stateFromUrl(state.urlFromState(read, 'http://localhost/'))).toEqual(read);
  });

  it('keeps a pasted picture address, and only a marker for an uploaded photo', () => {
    const url = state.stateFromUrl('http://localhost/?image_url=https%3A%2F%2Fcdn.example.com%2Fa.jpg');
    const upload = state.stateFromUrl('http://localhost/?photo=upload&color=red');
    expect([state.modeOf(url), url.imageUrl]).toEqual(['url', 'https://cdn.example.com/a.jpg']);
    expect([state.modeOf(upload), upload.filters]).toEqual(['upload', { color: 'red' }]);
    expect(state.modeOf(state.stateFromUrl('http://localhost/?q=+'))).toBe('none');
  });

  it('keeps auto-tag filters (tag_<group>) like the catalog filters, and no unknown parameter', () => {
    const read = state.stateFromUrl(
      'http://localhost/?q=shirt&tag_colour=red&tag_pattern=striped&tag_mood=x',
    );
    expect(read.filters).toEqual({ tag_colour: 'red', tag_pattern: 'striped' });
    expect(new URL(state.urlFromState(read, 'http://localhost/')).search).toBe(
      '?q=shirt&tag_colour=red&tag_pattern=striped',
    );
  });
});

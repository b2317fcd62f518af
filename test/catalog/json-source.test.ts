import { describe, expect, it } from 'vitest';
import { topLevelNumberText } from '#core/catalog/json-source.ts';

describe('topLevelNumberText', () => {
  it.each([
    ['{"id": 12345678901234567890}', '12345678901234567890'],
    ['{"a": {"id": 1}, "b": [{"id": 2}], "id" :\t-1.5e30}', '-1.5e30'],
    ['{"s": "\\"id\\": 3", "id": 4}', '4'],
    ['{"id": 1, "id": 20}', '20'],
    ['{"id": "5"}', undefined],
    ['{"idx": 6}', undefined],
  ])('reads the top-level "id" of %s as written', (json, expected) => {
    // Prepare: json from the table

    // Act
    const text = topLevelNumberText(json, 'id');

    // Assess
    expect(text).toBe(expected);
  });
});

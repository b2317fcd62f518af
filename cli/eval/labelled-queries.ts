/** One line of a `--queries` file: a text query and the ids of the products that answer it. */
export interface LabelledQuery {
  query: string;
  relevant: string[];
}

/** The valid queries of a JSONL file, and `file:line: message` for each bad line (the others still run). */
export function parseLabelledQueries(
  text: string,
  file: string,
): { queries: LabelledQuery[]; problems: string[] } {
  const queries: LabelledQuery[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      problems.push(`${where}: not JSON (${(error as Error).message})`);
      return;
    }
    const q = value as Partial<LabelledQuery> | null;
    if (typeof q !== 'object' || q === null || Array.isArray(q)) {
      problems.push(`${where}: expected an object {"query": "...", "relevant": ["id", ...]}`);
    } else if (typeof q.query !== 'string' || q.query.trim() === '') {
      problems.push(`${where}: "query" must be a non-empty string`);
    } else if (
      !Array.isArray(q.relevant) ||
      q.relevant.length === 0 ||
      !q.relevant.every((id) => typeof id === 'string')
    ) {
      problems.push(`${where}: "relevant" must be a non-empty array of product id strings`);
    } else {
      queries.push({ query: q.query, relevant: q.relevant });
    }
  });
  return { queries, problems };
}

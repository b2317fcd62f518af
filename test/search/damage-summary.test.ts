import { describe, expect, it } from 'vitest';
import { damageWarning } from '#cli/store-damage.ts';
import type { StoreDamage } from '#core/ports/vector-store.ts';
import { createApi } from '#functions/search/api.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { MODEL, textEmbedder } from './fixtures.ts';

/** As the hostile tester left vectors.log: two lines cut or mis-summed (ids readable), two overwritten. */
const DAMAGE: StoreDamage = {
  file: '/data/index/m/vectors.log',
  lines: [
    { line: 21, offset: 4000, bytes: 300, fault: 'checksum mismatch', kind: 'put', ids: ['s020'] },
    {
      line: 23,
      offset: 4600,
      bytes: 200,
      fault: 'the log ends inside this line',
      kind: 'put',
      ids: ['s022'],
    },
    { line: 30, offset: 6000, bytes: 40, fault: 'not a record', ids: [] },
    { line: 31, offset: 6040, bytes: 40, fault: 'not a record', ids: [] },
  ],
  bytes: 580,
  productIds: ['s020', 's022'],
};

/** A store that opened with damage, as FileVectorStore reports it. */
class DamagedStore extends MemoryVectorStore {
  constructor(private readonly found: StoreDamage) {
    super();
  }
  damage(): StoreDamage {
    return this.found;
  }
}

async function healthOf(damage: StoreDamage) {
  const store = new DamagedStore(damage);
  await store.bind({ model: MODEL, dim: 2 });
  const res = await createApi({ text: textEmbedder(), store })({
    method: 'GET',
    path: '/healthz',
    query: {},
    headers: {},
  });
  return { status: res.status, body: JSON.parse(String(res.body)) };
}

describe('the damaged-index report counts every damaged line', () => {
  it('/healthz counts the lines whose product cannot be identified as well as the products named', async () => {
    // Act
    const health = await healthOf(DAMAGE);
    // Assess
    expect(health.status).toBe(200);
    expect(health.body.damage).toEqual({
      lines: 4,
      bytes: 580,
      products: 2,
      message:
        'the index had 4 damaged line(s) (580 bytes) that were skipped; 2 product(s) may be missing or out of ' +
        'date (the server log names them), and 2 damaged line(s) whose product cannot be identified',
    });
  });

  it('/healthz says so when no damaged line names a product, without claiming none is missing', async () => {
    // Prepare
    const garbage = { ...DAMAGE, lines: DAMAGE.lines.slice(2), bytes: 80, productIds: [] };
    // Act
    const health = await healthOf(garbage);
    // Assess
    expect(health.body.damage.message).toBe(
      'the index had 2 damaged line(s) (80 bytes) that were skipped; 2 damaged line(s) whose product cannot be ' +
        'identified: the products they held may be missing or out of date',
    );
  });

  it('/healthz does not count a damaged line that held no product (the bind record)', async () => {
    // Prepare
    const bind = { line: 1, offset: 0, bytes: 60, fault: 'checksum mismatch', kind: 'bind', ids: [] };
    const damage = { ...DAMAGE, lines: [DAMAGE.lines[0], bind], bytes: 360, productIds: ['s020'] };
    // Act
    const health = await healthOf(damage as StoreDamage);
    // Assess
    expect(health.body.damage.message).toBe(
      'the index had 2 damaged line(s) (360 bytes) that were skipped; 1 product(s) may be missing or out of ' +
        'date (the server log names them)',
    );
  });

  it("the CLI's warning (serve's banner) counts them too", () => {
    // Act
    const text = damageWarning(DAMAGE);
    const garbageOnly = damageWarning({ ...DAMAGE, lines: DAMAGE.lines.slice(2), productIds: [] });
    // Assess
    expect(text).toContain(
      '  2 product(s) may be missing from search or out of date: s020, s022; and 2 damaged line(s) whose ' +
        'product cannot be identified\n',
    );
    expect(garbageOnly).toContain(
      '  2 damaged line(s) whose product cannot be identified: the products they held may be missing from ' +
        'search or out of date.\n',
    );
  });
});

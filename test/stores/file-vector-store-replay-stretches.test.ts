import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readSpans } from '#adapters/file-vector-store/clean-log.ts';
import { encodePut, encodeRecord, LOG_HEADER } from '#adapters/file-vector-store/log-format.ts';
import { type Replayed, replayLog } from '#adapters/file-vector-store/replay.ts';
import { decodeVector, encodeVector } from '#core/vector-codec.ts';
import { CONTRACT_MODEL, unit } from '#test/contract/vector-store-contract.ts';
import { insert, lineStarts, logOf, overwrite, writeProducts } from './fixtures/damaged-log.ts';
import { tempDirs } from './temp-dirs.ts';

// The log is replayed in stretches of whole lines (32 MiB each), never read whole: a damaged line, a torn tail or
// a resynchronised record must come out the same wherever the stretches end, down to one byte a read.

const newDir = tempDirs('vector-stretches');

const DAMAGE: [string, (log: Buffer, s: number[]) => Buffer][] = [
  ['whole', (log) => log],
  [
    'bytes flipped mid-record',
    (log, s) => overwrite(log, Math.floor(((s[5] as number) + (s[6] as number)) / 2), '#~#'),
  ],
  ['a lost newline', (log, s) => overwrite(log, (s[5] as number) - 1, 'x')],
  ['a stray newline', (log, s) => insert(log, (s[4] as number) + 30, '\n')],
  ['40 bytes across a line boundary', (log, s) => overwrite(log, (s[8] as number) - 20, '\0'.repeat(40))],
  ['a truncated tail', (log) => log.subarray(0, log.length - 10)],
  ['a last line without its newline', (log) => log.subarray(0, log.length - 1)],
  ['a damaged header', (log) => overwrite(log, 0, 'zz')],
];

/** What a replay found, in plain values. */
function summary(state: Replayed) {
  const table = state.table;
  return {
    size: state.size,
    valid: Array.from({ length: state.valid.length }, (_, i) => [
      state.valid.offsetAt(i),
      state.valid.bytesAt(i),
    ]),
    damaged: state.damaged,
    damagedBytes: state.damagedBytes.map((b) => b.toString('latin1')),
    flags: [state.headerLost, state.lastLineOpen, state.tornTail],
    rows: [...(table?.entries() ?? [])].map(({ row, vector }) => [
      row.id,
      row.docJson,
      row.lineBytes,
      [...vector],
    ]),
  };
}

describe('replayLog in stretches', () => {
  it.each(DAMAGE)(
    'finds the same records and damage wherever the stretches end (%s)',
    async (_name, damage) => {
      // Prepare
      const dir = await newDir();
      const log = await writeProducts(dir);
      const damaged = damage(log, lineStarts(log));
      await writeFile(logOf(dir), damaged);
      // Act
      const whole = summary(await replayLog(logOf(dir)));
      const stretched = await Promise.all(
        [1, 7, 100, 333, 4096].map(async (n) => summary(await replayLog(logOf(dir), n))),
      );
      // Assess
      expect(whole.size).toBe(damaged.length);
      for (const s of stretched) expect(s).toEqual(whole);
    },
  );

  it('names the same line in a contradiction wherever the stretches end', async () => {
    // Prepare: a second header after the eight products (line 11).
    const dir = await newDir();
    const log = await writeProducts(dir);
    await writeFile(logOf(dir), Buffer.concat([log, log.subarray(0, lineStarts(log)[2] as number)]));
    // Act, Assess
    for (const readBytes of [undefined, 1, 100, 4096]) {
      await expect(replayLog(logOf(dir), readBytes)).rejects.toThrow(/line 11: a second header/);
    }
  });

  it('reads the valid lines back exactly, whatever the read size', async () => {
    // Prepare
    const dir = await newDir();
    const log = await writeProducts(dir);
    const damaged = overwrite(log, (lineStarts(log)[6] as number) + 3, '!!');
    await writeFile(logOf(dir), damaged);
    const state = await replayLog(logOf(dir));
    const expected = Array.from({ length: state.valid.length }, (_, i) =>
      damaged
        .subarray(state.valid.offsetAt(i), state.valid.offsetAt(i) + state.valid.bytesAt(i))
        .toString('latin1'),
    );
    for (const readBytes of [1, 50, 1000, 1 << 20]) {
      // Act
      const lines: string[] = [];
      for await (const line of readSpans(logOf(dir), state.valid, readBytes))
        lines.push(line.toString('latin1'));
      // Assess
      expect(lines).toEqual(expected);
    }
    expect(expected.length).toBe(lineStarts(log).length - 2);
  });
});

describe('replayLog vectors', () => {
  const doc = JSON.stringify({ images: [], metadata: {}, imagesUsed: 1 });
  const logWith = async (base64: string) => {
    const dir = await newDir();
    const good = encodePut('good', encodeVector(unit(1, 2, 3, 4)), doc);
    await writeFile(
      logOf(dir),
      LOG_HEADER + encodeRecord({ t: 'bind', ...CONTRACT_MODEL }) + good + encodePut('odd', base64, doc),
    );
    return logOf(dir);
  };

  it('reads base64 that is valid but not as the store writes it (non-zero trailing bits) as decodeVector does', async () => {
    // Prepare: a spare bit of the last quantum set (16 bytes end in one byte: two characters and "==").
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const canonical = encodeVector(unit(4, 3, 2, 1));
    const odd = `${canonical.slice(0, -3)}${alphabet[alphabet.indexOf(canonical.at(-3) as string) ^ 1]}==`;
    expect(Buffer.from(odd, 'base64').toString('base64')).not.toBe(odd);
    // Act
    const state = await replayLog(await logWith(odd));
    // Assess
    const rows = [...(state.table?.entries() ?? [])];
    expect(rows.map((r) => [r.row.id, [...r.vector]])).toEqual([
      ['good', [...unit(1, 2, 3, 4)]],
      ['odd', [...decodeVector(odd, { dim: 4 })]],
    ]);
  });

  it.each([
    [
      'a vector of another dimension',
      encodeVector(unit(1, 2, 3)),
      /line 4 \(id odd\): has 3 dimensions, expected 4/,
    ],
    [
      'a non-finite component',
      encodeVector(Float32Array.of(0, Number.NaN, 0, 1)),
      /line 4 \(id odd\): component 1 is NaN/,
    ],
    ['text that is not base64', '!!!!', /line 4 \(id odd\): expected base64 text/],
    [
      'base64 with a stray character (which Buffer.from would skip)',
      `${encodeVector(unit(1, 2, 3, 4)).slice(0, 8)}!${encodeVector(unit(1, 2, 3, 4)).slice(8)}`,
      /line 4 \(id odd\): expected base64 text/,
    ],
  ])('refuses a checksummed put holding %s, naming its line', async (_what, base64, message) => {
    await expect(replayLog(await logWith(base64))).rejects.toThrow(message);
  });
});

import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readSpans } from '#adapters/file-vector-store/clean-log.ts';
import { type Replayed, replayLog } from '#adapters/file-vector-store/replay.ts';
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

import { describe, expect, it } from 'vitest';
import { addressGuard, blockedRange, guardedLookup } from '#adapters/ip-guard.ts';
import { HttpClientError } from '#core/errors.ts';

describe('blockedRange', () => {
  it.each([
    ['127.0.0.1', 'ipv4 loopback'],
    ['10.0.0.1', 'ipv4 private'],
    ['172.16.5.4', 'ipv4 private'],
    ['192.168.1.1', 'ipv4 private'],
    ['169.254.169.254', 'ipv4 linkLocal'],
    ['100.64.0.1', 'ipv4 carrierGradeNat'],
    ['0.0.0.0', 'ipv4 unspecified'],
    ['224.0.0.1', 'ipv4 multicast'],
    ['255.255.255.255', 'ipv4 broadcast'],
    ['::1', 'ipv6 loopback'],
    ['[::1]', 'ipv6 loopback'],
    ['::', 'ipv6 unspecified'],
    ['fe80::1%eth0', 'ipv6 linkLocal'],
    ['fd12:3456::1', 'ipv6 uniqueLocal'],
    ['ff02::1', 'ipv6 multicast'],
    ['::ffff:10.0.0.1', 'ipv6 ipv4Mapped of ipv4 private'],
    ['::ffff:7f00:1', 'ipv6 ipv4Mapped of ipv4 loopback'],
    ['64:ff9b::a9fe:a9fe', 'ipv6 rfc6052 of ipv4 linkLocal'],
    ['2002:7f00:1::1', 'ipv6 6to4'],
    ['not-an-ip', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    // Act
    const found = blockedRange(address);
    // Assess
    expect(found).toBe(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34', '64:ff9b::808:808'])(
    'lets public %s through',
    (address) => {
      // Act
      const found = blockedRange(address);
      // Assess
      expect(found).toBeUndefined();
    },
  );
});

describe('addressGuard', () => {
  it('throws a non-retryable blocked_host error naming the host and the range', () => {
    // Prepare
    const guard = addressGuard({ allowPrivateHosts: false });
    // Act
    const act = () => guard('10.1.2.3', 'images.example.com');
    // Assess
    expect(act).toThrow(HttpClientError);
    expect(act).toThrow(/images\.example\.com \(resolves to 10\.1\.2\.3\): ipv4 private/);
    try {
      act();
    } catch (error) {
      expect(error).toMatchObject({ reason: 'blocked_host', retryable: false });
    }
  });

  it('allows everything when private hosts are allowed, and exact exempt addresses otherwise', () => {
    // Prepare
    const open = addressGuard({ allowPrivateHosts: true });
    const exempting = addressGuard({ allowPrivateHosts: false, allowAddresses: ['::ffff:127.0.0.1'] });
    // Act + Assess
    expect(() => open('127.0.0.1', 'x')).not.toThrow();
    expect(() => exempting('::ffff:7f00:1', 'x')).not.toThrow();
    expect(() => exempting('127.0.0.2', 'x')).toThrow(/loopback/);
  });
});

describe('guardedLookup', () => {
  const run = (answers: { address: string; family: number }[], options: { all?: boolean; family?: number }) =>
    new Promise<{ err: unknown; address: unknown; family: unknown }>((resolve) => {
      const lookup = guardedLookup(async () => answers, addressGuard({ allowPrivateHosts: false }));
      lookup('cdn.example.com', options, (err, address, family) => resolve({ err, address, family }));
    });

  it('refuses the whole host when any one of its addresses is private', async () => {
    // Act
    const { err, address } = await run(
      [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
      { all: true },
    );
    // Assess
    expect(err).toMatchObject({ reason: 'blocked_host' });
    expect(address).toBe('');
  });

  it('answers in the shape net.connect asked for', async () => {
    // Prepare
    const answers = [
      { address: '2606:4700::1', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ];
    // Act
    const all = await run(answers, { all: true });
    const v4 = await run(answers, { family: 4 });
    // Assess
    expect(all.address).toEqual(answers);
    expect(v4).toEqual({ err: null, address: '93.184.216.34', family: 4 });
  });
});

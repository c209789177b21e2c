// The three vendor formats read from fixtures written in each vendor's documented format.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeCidr } from '../../src/platforms/feeds/cidr.js';
import { normalizeHostName, wildcardCovers } from '../../src/platforms/feeds/host-name.js';
import {
  microsoftInstance,
  microsoftUrls,
  parseMicrosoftEndpoints,
  parseMicrosoftVersion,
  withClientRequestId,
  withoutClientRequestId,
} from '../../src/platforms/feeds/microsoft.js';
import { parseWebexCsv } from '../../src/platforms/feeds/webex.js';
import { parseZoomRanges, zoomServiceFromUrl } from '../../src/platforms/feeds/zoom.js';
import { parseCsv } from '../../src/platforms/feeds/csv.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url));

describe('CIDR normalisation', () => {
  it.each([
    ['52.112.0.0/14', '52.112.0.0/14', false],
    ['52.113.1.2/14', '52.112.0.0/14', true],
    ['10.0.0.1', '10.0.0.1/32', false],
    ['2603:1063:0:0::/38', '2603:1063::/38', false],
    ['2603:1063::1/38', '2603:1063::/38', true],
    ['2620:1EC:6::/48', '2620:1ec:6::/48', false],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128', false],
    ['2001:0:0:1::/64', '2001:0:0:1::/64', false],
    ['::/0', '::/0', false],
    ['0.0.0.0/0', '0.0.0.0/0', false],
  ])('%s → %s', (input, cidr, hostBitsSet) => {
    expect(normalizeCidr(input)).toEqual({ cidr, family: input.includes(':') ? 6 : 4, hostBitsSet });
  });

  it.each([
    '',
    '52.112.0.0/33',
    '52.112.0/14',
    '052.112.0.0/14',
    '52.112.0.0/014',
    '2603:1063::/129',
    'fe80::1%eth0/64',
    '[::1]/128',
    '1.2.3.4 /8',
    'garbage',
  ])('refuses %j', (input) => expect(normalizeCidr(input)).toBeUndefined());
});

describe('host names', () => {
  it('normalises and tells wildcards apart', () => {
    expect(normalizeHostName('Teams.Microsoft.com.')).toEqual({ host: 'teams.microsoft.com', wildcard: false });
    expect(normalizeHostName('*.lync.com')).toEqual({ host: '*.lync.com', wildcard: true });
    expect(normalizeHostName('bücher.example')).toEqual({ host: 'xn--bcher-kva.example', wildcard: false });
    for (const bad of ['', 'localhost', 'a..b.com', 'a b.com', '-a.com', '1.2.3.4', 'x'.repeat(64) + '.com']) {
      expect(typeof normalizeHostName(bad)).toBe('string');
    }
  });

  it('matches wildcards as the vendors write them', () => {
    expect(wildcardCovers('*.teams.microsoft.com', 'a.b.teams.microsoft.com')).toBe(true);
    expect(wildcardCovers('*.teams.microsoft.com', 'teams.microsoft.com')).toBe(false);
    expect(wildcardCovers('*-files.sharepoint.com', 'contoso-files.sharepoint.com')).toBe(true);
    expect(wildcardCovers('teams.microsoft.com', 'teams.microsoft.com')).toBe(true);
  });
});

describe('Microsoft 365 web service', () => {
  it('reads the version of one instance, or the instance from the list form', () => {
    expect(parseMicrosoftVersion(fixture('microsoft-version-worldwide.json'), 'Worldwide')).toBe('2025110300');
    expect(parseMicrosoftVersion(fixture('microsoft-version-all.json'), 'China')).toBe('2025100100');
    expect(() => parseMicrosoftVersion(fixture('microsoft-version-worldwide.json'), 'China')).toThrow(
      expect.objectContaining({ kind: 'shape' }),
    );
    expect(() => parseMicrosoftVersion('{"instance":"Worldwide","latest":2025110300}', 'Worldwide')).toThrow(
      expect.objectContaining({ kind: 'shape' }),
    );
  });

  it('keeps the Skype (Teams) and Common entries, with category, role and service area', () => {
    const feed = parseMicrosoftEndpoints(fixture('microsoft-endpoints-2025110300.json'));
    expect(feed.problemCount).toBe(0);
    const cidrs = feed.ranges.map((r) => r.cidr);
    expect(cidrs).not.toContain('40.96.0.0/13'); // Exchange
    expect(feed.ranges).toContainEqual({ cidr: '52.112.0.0/14', category: 'optimize', role: 'media', service: 'Skype' });
    expect(feed.ranges).toContainEqual({ cidr: '52.112.0.0/14', category: 'allow', role: 'signalling', service: 'Skype' });
    expect(feed.ranges).toContainEqual({ cidr: '2603:1063::/38', category: 'optimize', role: 'media', service: 'Skype' });
    expect(feed.ranges).toContainEqual({ cidr: '20.190.128.0/18', category: 'allow', role: 'other', service: 'Common' });
    expect(feed.hosts).toContainEqual({
      host: 'teams.microsoft.com',
      category: 'allow',
      role: 'signalling',
      service: 'Skype',
      tcp: [443, 80],
      required: true,
    });
    expect(feed.hosts.find((h) => h.host === '*.events.data.microsoft.com')).toMatchObject({
      service: 'Common',
      required: false,
      tcp: [443],
    });
    expect(feed.hosts.some((h) => h.host === 'outlook.office.com')).toBe(false);
  });

  it('reads port ranges as the catalog writes them', () => {
    const body = JSON.stringify([
      {
        id: 11,
        serviceArea: 'Skype',
        ips: ['52.112.0.0/14'],
        udpPorts: '3478-3481',
        tcpPorts: '443',
        category: 'Optimize',
        required: true,
      },
    ]);
    const feed = parseMicrosoftEndpoints(body);
    expect(feed.ranges[0]).toMatchObject({ role: 'media' });
    const hostFeed = parseMicrosoftEndpoints(
      JSON.stringify([
        { id: 1, serviceArea: 'Skype', urls: ['a.example.com'], udpPorts: '3478-3481, 50000', category: 'Allow', required: true },
      ]),
    );
    expect(hostFeed.hosts[0]!.udp).toEqual(['3478-3481', 50000]);
  });

  it('builds the method URLs for the service, its instance and a mirror', () => {
    expect(microsoftInstance('https://endpoints.office.com/endpoints/China', undefined)).toBe('China');
    expect(microsoftInstance('https://endpoints.office.com/endpoints/worldwide', 'China (operated by 21Vianet)')).toBe('Worldwide');
    expect(microsoftInstance('https://endpoints.office.com', 'China (operated by 21Vianet)')).toBe('China');
    expect(microsoftInstance(undefined, undefined)).toBe('Worldwide');
    expect(microsoftUrls({ feedUrl: 'https://endpoints.office.com/endpoints/Worldwide', instance: 'Worldwide' })).toEqual({
      instance: 'Worldwide',
      versionUrl: 'https://endpoints.office.com/version/Worldwide',
      endpointsUrl: 'https://endpoints.office.com/endpoints/Worldwide',
    });
    expect(
      microsoftUrls({
        feedUrl: 'https://endpoints.office.com/endpoints/Worldwide',
        instance: 'Worldwide',
        base: 'http://mirror.example/m365/',
      }),
    ).toEqual({
      instance: 'Worldwide',
      versionUrl: 'http://mirror.example/m365/version/Worldwide',
      endpointsUrl: 'http://mirror.example/m365/endpoints/Worldwide',
    });
    const u = new URL(withClientRequestId('https://endpoints.office.com/version/Worldwide?ClientRequestId=old'));
    expect([...u.searchParams.keys()]).toEqual(['clientrequestid']);
    expect(u.searchParams.get('clientrequestid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(withoutClientRequestId(u.toString())).toBe('https://endpoints.office.com/version/Worldwide');
  });
});

describe('Zoom range files', () => {
  it('reads every line of the published file', () => {
    const feed = parseZoomRanges(fixture('zoom-ranges.txt'), { service: 'Zoom' });
    const lines = fixture('zoom-ranges.txt').toString().trim().split('\n');
    expect(feed.ranges).toHaveLength(lines.length);
    expect(feed.problemCount).toBe(0);
    expect(feed.ranges[0]).toEqual({ cidr: '3.7.35.0/25', service: 'Zoom' });
    expect(feed.ranges.at(-1)).toEqual({ cidr: '2620:123:2000::/40', service: 'Zoom' });
    expect(feed.hosts).toEqual([]);
  });

  it('takes CRLF, blank lines, comments and stray blanks in its stride', () => {
    const feed = parseZoomRanges('# Zoom ranges\r\n\r\n 3.7.35.0/25 \r\n3.21.137.128/25 # US\r\n\r\n\r\n');
    expect(feed.ranges.map((r) => r.cidr)).toEqual(['3.7.35.0/25', '3.21.137.128/25']);
    expect(feed.problemCount).toBe(0);
  });

  it('counts bad lines and keeps the good ones', () => {
    const feed = parseZoomRanges('3.7.35.0/25\nnot-a-range\n3.7.35.9/25\n300.1.1.1/8\n');
    expect(feed.ranges.map((r) => r.cidr)).toEqual(['3.7.35.0/25']);
    expect(feed.problemCount).toBe(3);
    expect(feed.problems.map((p) => [p.at, p.action])).toEqual([
      ['line 2', 'skipped'],
      ['line 3', 'normalised'],
      ['line 4', 'skipped'],
    ]);
  });

  it('names the service after the file', () => {
    expect(zoomServiceFromUrl('https://assets.zoom.us/docs/ipranges/ZoomMeetings.txt')).toBe('ZoomMeetings');
    expect(zoomServiceFromUrl('https://assets.zoom.us/')).toBeUndefined();
  });
});

describe('Webex services CSV', () => {
  it('reads the URL column by its header, with BOM, CRLF, quoted commas and several names a cell', () => {
    const feed = parseWebexCsv(fixture('webex-services.csv'));
    expect(feed.problemCount).toBe(0);
    const hosts = feed.hosts.map((h) => h.host);
    expect(hosts).toEqual([
      '*.wbx2.com',
      '*.ciscospark.com',
      '*.webexapis.com',
      '*.webex.com',
      '*.cisco.com',
      'idbroker.webex.com',
      'identity.webex.com',
      'idbroker-eu.webex.com',
      '*.webexcontent.com',
      '*.broadcloudpbx.com',
      'binaries.webex.com',
      '*.accompany.com',
    ]);
    expect(feed.hosts[0]).toEqual({ host: '*.wbx2.com', service: 'Webex Microservices' });
  });

  it('finds columns in any order, reads ports, protocols and IP cells', () => {
    const csv = [
      'Description;Ports;Protocol;Domains;IP Subnets',
      'Media;5004, 9000;UDP;media.example.com;"62.109.192.0/18, 2402:2500::/34"',
      'Signalling;443;TCP;https://sig.example.com:443/x;',
    ].join('\n');
    const feed = parseWebexCsv(csv);
    expect(feed.hosts).toEqual([
      { host: 'media.example.com', service: 'Media', udp: [5004, 9000] },
      { host: 'sig.example.com', service: 'Signalling', tcp: [443] },
    ]);
    expect(feed.ranges.map((r) => r.cidr)).toEqual(['62.109.192.0/18', '2402:2500::/34']);
  });

  it('parses RFC 4180 quoting', () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n"x\ny",z,\n', { maxRecords: 10, maxFieldChars: 100 })).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['x\ny', 'z', ''],
    ]);
  });
});

// A platform catalog's per-stream bandwidth drives the capacity model where it publishes figures;
// the rest stay Microsoft Teams', and the source says which is which.

import { describe, expect, it } from 'vitest';
import { bandwidthFromCatalog } from '../../src/capacity/catalog-bandwidth.js';
import { BANDWIDTH_KBPS, assessCapacity } from '../../src/capacity/demand.js';
import { readShippedCatalog } from '../../src/site/catalogs.js';

const demand = { personas: [{ name: 'staff', users: 100, audio: 0.2, video: 0.1 }] };
const links = [{ name: 'internet', downMbps: 100, upMbps: 20 }];

describe('bandwidth from a platform catalog', () => {
  it("takes the catalog's figures and keeps Teams' for what it does not publish", () => {
    const zoom = readShippedCatalog('zoom');
    const table = bandwidthFromCatalog(zoom)!;
    expect(table.kinds.audio.recommended).toEqual({ up: 80, down: 80 });
    expect(table.kinds.video1to1.best).toEqual({ up: 1800, down: 1800 });
    expect(table.kinds.videoMeeting).toEqual(BANDWIDTH_KBPS.kinds.videoMeeting);
    expect(table.source).toMatch(/^Zoom Meetings catalog .*audio \(unconfirmed\).*for the other streams/);
  });

  it('a catalog without bandwidth gives no table (the default applies)', () => {
    expect(bandwidthFromCatalog(readShippedCatalog('dingtalk'))).toBeUndefined();
    expect(bandwidthFromCatalog(undefined)).toBeUndefined();
  });

  it('changes the demand, the video calls that fit, and names its source', () => {
    const teams = assessCapacity({ demand, links });
    const zoom = assessCapacity({ demand, links, bandwidth: bandwidthFromCatalog(readShippedCatalog('zoom'))! });
    // The same concurrent streams, priced with each table (recommended quality, upstream).
    const streams = teams.demand!.streams;
    expect(zoom.demand!.streams).toEqual(streams);
    const sharesAndMeetings = (t: typeof BANDWIDTH_KBPS) =>
      streams.videoMeeting * t.kinds.videoMeeting.recommended.up +
      streams.screenShare1to1 * t.kinds.screenShare1to1.recommended.up +
      streams.screenShareMeeting * t.kinds.screenShareMeeting.recommended.up;
    const zoomTable = bandwidthFromCatalog(readShippedCatalog('zoom'))!;
    expect(zoom.demand!.upKbps).toBe(streams.audio * 80 + streams.video1to1 * 1200 + sharesAndMeetings(zoomTable));
    expect(teams.demand!.upKbps).toBe(streams.audio * 58 + streams.video1to1 * 1500 + sharesAndMeetings(BANDWIDTH_KBPS));
    expect(zoom.concurrentVideoCalls!.perCallKbps).toBe(1280);
    expect(zoom.bandwidthSource).toMatch(/^Zoom Meetings catalog/);
    expect(teams.bandwidthSource).toBe(BANDWIDTH_KBPS.source);
  });
});

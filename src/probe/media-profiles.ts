// The media cadences the probe streams are sent at. On their own, apart from the streaming code,
// because a check's options name them and planning reads those.

export interface MediaProfile {
  pps: number;
  size: number;
}

/**
 * Media cadences, as UDP payload sizes: audio as 20 ms G.711 RTP packets (160 B of voice + 12 B RTP
 * header = 172 B, 200 B on the wire with UDP and IPv4); video ≈ 1.5 Mbit/s in 1200 B packets.
 */
export const MEDIA_PROFILES: Record<string, MediaProfile> = {
  audio: { pps: 50, size: 172 },
  video: { pps: 160, size: 1200 },
};

// The traffic classes a QoS test sends: the site file's `qos.classes`, else the marks its platform
// catalog recommends, else the marks the collaboration vendors commonly recommend. An unmarked control stream (DSCP 0, CS0) always goes along: it
// tells "the network drops marked packets" from "UDP does not get through", and it is what the
// marked streams are compared with under load.

import type { Site } from '../plugin-api.js';

export interface QosClass {
  name: string;
  dscp: number;
  traffic?: string;
  /** The unmarked reference stream. */
  control: boolean;
  /** JSON pointer of the class in the site file, when it came from there. */
  pointer?: string;
}

/** Audio EF, video AF41, screen share AF21 (Microsoft Teams, Cisco Webex, Zoom guidance) and CS0. */
export const DEFAULT_CLASSES: ReadonlyArray<Omit<QosClass, 'control'>> = [
  { name: 'ef', dscp: 46, traffic: 'audio' },
  { name: 'af41', dscp: 34, traffic: 'video' },
  { name: 'af21', dscp: 18, traffic: 'screen-share' },
  { name: 'cs0', dscp: 0, traffic: 'default' },
];

interface SiteClass {
  name: string;
  dscp: number;
  traffic?: string;
}

/** The marks the site's platform catalog recommends (`platform.preset`), named after the media. */
function catalogClasses(site: Site): QosClass[] {
  const catalog = site.platform.catalogs?.find((c) => c.id === site.platform.preset);
  return (catalog?.qos ?? []).map((q) => ({ name: `${catalog!.id}-${q.media}`, dscp: q.dscp, traffic: q.media, control: false }));
}

export function qosClasses(site: Site): QosClass[] {
  const declared = (site.qos?.classes as SiteClass[] | undefined) ?? undefined;
  const fromCatalog = declared?.length ? [] : catalogClasses(site);
  const classes: QosClass[] = declared?.length
    ? declared.map((c, i) => ({
        name: c.name,
        dscp: c.dscp,
        ...(c.traffic ? { traffic: c.traffic } : {}),
        control: false,
        pointer: `/qos/classes/${i}`,
      }))
    : fromCatalog.length
      ? fromCatalog
      : DEFAULT_CLASSES.map((c) => ({ ...c, control: false }));
  const control = classes.find((c) => c.dscp === 0);
  if (control) control.control = true;
  else classes.push({ name: 'cs0', dscp: 0, traffic: 'default', control: true });
  return classes;
}

export function underLoadWanted(site: Site): boolean {
  return site.qos?.underLoad === true;
}

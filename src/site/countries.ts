// ISO 3166-1 alpha-2: the officially assigned codes. The site schema only checks the shape (two
// capitals), so a file can say "UK" or "XX" and the compliance rules that compare countries would
// quietly never match; where a person types a country, it is checked against the real list.

const CODES = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW`;

export const COUNTRY_CODES: ReadonlySet<string> = new Set(CODES.trim().split(/\s+/));

/**
 * Codes people commonly write that ISO 3166-1 does not assign (or reserves for something else):
 * the right one to suggest instead.
 */
const COMMON_MISTAKES: Record<string, string> = { UK: 'GB', EL: 'GR', EN: 'GB' };

/** The code in canonical form ("cn" → "CN"), or undefined when it is not an assigned code. */
export function normaliseCountry(input: string): string | undefined {
  const code = input.trim().toUpperCase();
  return COUNTRY_CODES.has(code) ? code : undefined;
}

/** A likely intended code for one that is not assigned ("UK" → "GB"). */
export function countryCorrection(input: string): string | undefined {
  return COMMON_MISTAKES[input.trim().toUpperCase()];
}

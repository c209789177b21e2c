// CIDR blocks as feeds write them, in one canonical text each (the code lives with the other
// address arithmetic in util/cidr.ts).

export { normalizeCidr, type NormalCidr } from '../../util/cidr.js';

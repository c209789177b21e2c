// Bounds that keep a hostile or broken profile from hurting the process: profiles are data
// from files a user names, so every dimension an attacker controls is capped.

/** A profile with hundreds of rules is still a few hundred KB. */
export const MAX_PROFILE_BYTES = 1024 * 1024;
/** Mapping/list nesting anywhere in a profile file (checked before schema validation recurses). */
export const MAX_YAML_DEPTH = 40;
/** Nesting of conditions (and/or/not/all/any/none) inside one rule. */
export const MAX_CONDITION_DEPTH = 12;
export const MAX_RULES = 500;
export const MAX_PATH_LENGTH = 300;
/** Regex source length; longer patterns are refused. */
export const MAX_REGEX_LENGTH = 200;
/**
 * Text longer than this is not matched against a pattern (the leaf is not evaluated). Matching is
 * linear (RE2), so this bounds the work to pattern length × 64 Ki steps, a few milliseconds.
 */
export const MAX_MATCH_INPUT = 64 * 1024;
/** Evaluation steps per rule (leaves and quantifier items): a rule over huge lists stops, not hangs. */
export const MAX_EVALUATION_STEPS = 200_000;
/** Facts listed as "decided by" per outcome. */
export const MAX_DECIDED_BY = 12;

// ${VAR} and ${VAR:-default} references in YAML string values, resolved from the environment.

import { parse as parseYamlScalar } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { escapePointer } from './positions.js';
import { isSecretKey, isUserKey, type Redactor } from './secrets.js';

const REF = /\$\$|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface InterpolationResult {
  value: unknown;
  /** Same shape, with secret values left as their ${VAR} reference: safe to put in a report. */
  redacted: unknown;
  problems: Array<Pick<Diagnostic, 'path' | 'message' | 'hint'>>;
  /** Pointers of values retyped from text (number/boolean), with the text they came from. */
  retyped: Map<string, string>;
  /** Variables of secrets left empty under `missingSecrets: 'placeholder'`, in order of first use. */
  unsetSecrets: string[];
}

/**
 * `missingSecrets: 'placeholder'`: a secret whose variable is not set is left empty instead of
 * being an error — for work that never uses secrets (judging saved facts, checking a draft).
 */
export function interpolate(
  input: unknown,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
  opts: { missingSecrets?: 'error' | 'placeholder' } = {},
): InterpolationResult {
  const problems: InterpolationResult['problems'] = [];
  const retyped = new Map<string, string>();
  const unsetSecrets = new Set<string>();

  const substitute = (text: string, pointer: string, secret = false): { value: string; whole: boolean; refs: number } => {
    let refs = 0;
    let whole = false;
    const value = text.replace(REF, (match, body: string | undefined, offset: number) => {
      if (match === '$$') return '$';
      refs++;
      const raw = body ?? '';
      const sep = raw.indexOf(':-');
      const name = sep >= 0 ? raw.slice(0, sep) : raw;
      const fallback = sep >= 0 ? raw.slice(sep + 2) : undefined;
      if (!NAME.test(name)) {
        problems.push({
          path: pointer,
          message: `invalid variable reference "${match}"`,
          hint: 'references look like ${NAME} or ${NAME:-default}; write $$ for a literal $',
        });
        return match;
      }
      if (offset === 0 && match.length === text.length) whole = true;
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      if (secret && opts.missingSecrets === 'placeholder') {
        unsetSecrets.add(name);
        return '';
      }
      problems.push({
        path: pointer,
        message: `environment variable ${name} is not set`,
        // A default would put the secret in the file: never suggest one for a secret.
        hint: secret
          ? `set it in the environment (export ${name}=…); secrets are never written in the file`
          : `export ${name}=... before running, or give a default: \${${name}:-value}`,
      });
      return '';
    });
    return { value, whole, refs };
  };

  const walk = (node: unknown, pointer: string, key: string | undefined): { value: unknown; redacted: unknown } => {
    if (typeof node === 'string') {
      const secret = key !== undefined && isSecretKey(key);
      const { value, whole, refs } = substitute(node, pointer, secret);
      if (secret) {
        if (refs === 0 && node.length > 0) {
          problems.push({
            path: pointer,
            message: `"${key}" holds a literal secret`,
            hint: `secrets must come from the environment: ${key}: \${${key.toUpperCase()}_VAR}`,
          });
        }
        if (refs > 0 && value.length > 0 && value.length < 4) {
          problems.push({
            path: pointer,
            message: `"${key}" is shorter than 4 characters`,
            hint: 'a secret that short cannot be a real credential, nor be masked in reports without mangling them',
          });
        }
        redactor.add(value);
        return { value, redacted: node };
      }
      // A value that is exactly one reference takes the type its text has in YAML, so `port: ${P}` is a number.
      const typed = whole ? retype(value) : value;
      if (typed !== value) retyped.set(pointer, value);
      return { value: typed, redacted: typed };
    }
    if (Array.isArray(node)) {
      const pairs = node.map((item, i) => walk(item, `${pointer}/${i}`, undefined));
      return { value: pairs.map((p) => p.value), redacted: pairs.map((p) => p.redacted) };
    }
    if (node && typeof node === 'object') {
      const value: Record<string, unknown> = {};
      const redacted: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const child = walk(v, `${pointer}/${escapePointer(k)}`, k);
        value[k] = child.value;
        redacted[k] = child.redacted;
      }
      registerCredentialPairs(value, redactor);
      return { value, redacted };
    }
    return { value: node, redacted: node };
  };

  const out = walk(input, '', undefined);
  return { ...out, problems, retyped, unsetSecrets: [...unsetSecrets] };
}

/** A user beside a secret is a credential pair: Basic auth and SASL PLAIN send them encoded together. */
function registerCredentialPairs(obj: Record<string, unknown>, redactor: Redactor): void {
  const users = Object.entries(obj).filter(([k, v]) => isUserKey(k) && typeof v === 'string' && v !== '');
  if (!users.length) return;
  for (const [k, secret] of Object.entries(obj)) {
    if (!isSecretKey(k) || typeof secret !== 'string') continue;
    for (const [, user] of users) redactor.addCredentials(user as string, secret);
  }
}

function retype(text: string): unknown {
  if (text === '') return text;
  try {
    const parsed: unknown = parseYamlScalar(text);
    return typeof parsed === 'number' || typeof parsed === 'boolean' ? parsed : text;
  } catch {
    return text;
  }
}

/**
 * Signature policies as Fabric writes them (`OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer')`, `AND(...)`,
 * `OR(...)`), parsed into a tree and evaluated against the set of (MSP, role) principals that signed.
 */

export type Role = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

export type Policy = { kind: 'principal'; mspId: string; role: Role } | { kind: 'outOf'; n: number; rules: Policy[] };

const ROLES: readonly Role[] = ['member', 'admin', 'client', 'peer', 'orderer'];

/** @throws Error naming where the expression is malformed. */
export function parsePolicy(text: string): Policy {
  let at = 0;
  const skip = (): void => {
    while (at < text.length && /\s/.test(text.charAt(at))) at += 1;
  };
  const expect = (ch: string): void => {
    skip();
    if (text.charAt(at) !== ch) throw new Error(`policy: expected '${ch}' at ${at}`);
    at += 1;
  };
  const parse = (): Policy => {
    skip();
    const quote = text.charAt(at);
    if (quote === "'" || quote === '"') {
      const close = text.indexOf(quote, at + 1);
      if (close < 0) throw new Error('policy: unterminated principal');
      const principal = text.slice(at + 1, close);
      at = close + 1;
      const dot = principal.lastIndexOf('.');
      const role = principal.slice(dot + 1).toLowerCase() as Role;
      if (dot <= 0 || !ROLES.includes(role)) throw new Error(`policy: bad principal ${principal}`);
      return { kind: 'principal', mspId: principal.slice(0, dot), role };
    }
    const name = /^[A-Za-z]+/.exec(text.slice(at))?.[0] ?? '';
    at += name.length;
    expect('(');
    const args: Policy[] = [];
    let n: number | undefined;
    if (name.toLowerCase() === 'outof') {
      skip();
      const digits = /^\d+/.exec(text.slice(at))?.[0];
      if (digits === undefined) throw new Error('policy: OutOf needs a count');
      n = Number(digits);
      at += digits.length;
      expect(',');
    }
    for (;;) {
      args.push(parse());
      skip();
      if (text.charAt(at) === ',') {
        at += 1;
        continue;
      }
      expect(')');
      break;
    }
    const upper = name.toUpperCase();
    if (upper === 'AND') return { kind: 'outOf', n: args.length, rules: args };
    if (upper === 'OR') return { kind: 'outOf', n: 1, rules: args };
    if (upper === 'OUTOF' && n !== undefined) return { kind: 'outOf', n, rules: args };
    throw new Error(`policy: unknown operator ${name}`);
  };
  const policy = parse();
  skip();
  if (at !== text.length) throw new Error(`policy: trailing text at ${at}`);
  return policy;
}

/** The canonical text of a policy (what attestations sign and what `--policy` is compared with). */
export function formatPolicy(policy: Policy): string {
  if (policy.kind === 'principal') return `'${policy.mspId}.${policy.role}'`;
  return `OutOf(${policy.n}, ${policy.rules.map(formatPolicy).join(', ')})`;
}

/** A signer that proved membership of an MSP, with the roles its certificate holds there. */
export interface Principal {
  mspId: string;
  roles: ReadonlySet<Role>;
}

/**
 * Evaluates like Fabric's cauthdsl: each signer counts for at most one principal of the policy.
 * `relaxRoles` accepts any role of the named MSP (used for attestations, signed by gateways' client
 * identities rather than peers).
 */
export function satisfies(policy: Policy, signers: readonly Principal[], relaxRoles = false): boolean {
  const used = new Array<boolean>(signers.length).fill(false);
  const walk = (p: Policy): boolean => {
    if (p.kind === 'principal') {
      const i = signers.findIndex((s, k) => !used[k] && s.mspId === p.mspId && (relaxRoles || p.role === 'member' || s.roles.has(p.role)));
      if (i < 0) return false;
      used[i] = true;
      return true;
    }
    let count = 0;
    for (const rule of p.rules) {
      const snapshot = [...used];
      if (walk(rule)) count += 1;
      else used.splice(0, used.length, ...snapshot);
    }
    return count >= p.n;
  };
  return walk(policy);
}

/** The MSPs a policy names. */
export function policyMsps(policy: Policy): string[] {
  if (policy.kind === 'principal') return [policy.mspId];
  return [...new Set(policy.rules.flatMap(policyMsps))];
}

// The page state in the URL hash: `#expr=<URI-encoded source>&where=<URI-encoded>&wrt=W,x`.
// This format is a public contract (links to the playground are shared): keep it stable. Optional
// extra keys (`layout=numerator`) are written only when they differ from the default.

export interface HashState {
  readonly expr: string;
  readonly where: string;
  readonly wrt: readonly string[];
  readonly layout?: 'gradient' | 'numerator';
}

export function encodeHash(state: HashState): string {
  const parts = [`expr=${encodeURIComponent(state.expr)}`, `where=${encodeURIComponent(state.where)}`, `wrt=${state.wrt.map(encodeURIComponent).join(',')}`];
  if (state.layout === 'numerator') parts.push('layout=numerator');
  return `#${parts.join('&')}`;
}

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return undefined; // a malformed escape: ignore that field rather than the whole link
  }
};

/** The fields a hash gives; absent or undecodable fields are left out. */
export function decodeHash(hash: string): Partial<HashState> {
  const out: { expr?: string; where?: string; wrt?: string[]; layout?: 'gradient' | 'numerator' } = {};
  for (const piece of hash.replace(/^#/, '').split('&')) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq);
    const raw = piece.slice(eq + 1);
    if (key === 'wrt') {
      const names = raw.split(',').map(decode);
      if (names.every((n): n is string => n !== undefined)) out.wrt = names.map((n) => n.trim()).filter(Boolean);
      continue;
    }
    const value = decode(raw);
    if (value === undefined) continue;
    if (key === 'expr') out.expr = value;
    else if (key === 'where') out.where = value;
    else if (key === 'layout' && (value === 'gradient' || value === 'numerator')) out.layout = value;
  }
  return out;
}

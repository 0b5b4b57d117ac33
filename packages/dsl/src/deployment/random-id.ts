/**
 * Instance ids as Cloudify makes them: `<name>_<6 chars from [0-9a-z]>`, unique within one
 * deployment (spec §6). With a seed the suffixes come from a small seeded generator, so tests and
 * reproducible plans get the same ids every time; without one they come from Web Crypto, which
 * browsers and Node both have (this folder must not import `node:*`).
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const SUFFIX_LENGTH = 6;

/** Hands out unique instance ids. */
export interface IdGenerator {
  /** A fresh id `<prefix>_<6 chars>` never returned before by this generator. */
  next(prefix: string): string;
}

/** A source of uniformly distributed integers in `[0, 36)`. */
type DigitSource = () => number;

/**
 * A 128-bit seed from text (cyrb128: four interleaved 32-bit multiply-xorshift hashes), so that
 * similar seeds such as `1` and `2` still start the generator far apart.
 */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** sfc32: a small, fast generator with a 128-bit state; returns 32-bit unsigned integers. */
function sfc32(seed: [number, number, number, number]): () => number {
  let [a, b, c, d] = seed;
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

function seededDigits(seed: number | string): DigitSource {
  const next = sfc32(hashSeed(String(seed)));
  // Discard the first outputs: they still carry structure from the hash.
  for (let i = 0; i < 12; i++) next();
  return () => Math.floor((next() / 0x1_0000_0000) * ALPHABET.length);
}

function cryptoDigits(): DigitSource {
  const buffer = new Uint8Array(64);
  let position = buffer.length;
  return () => {
    for (;;) {
      if (position >= buffer.length) {
        globalThis.crypto.getRandomValues(buffer);
        position = 0;
      }
      const byte = buffer[position++] ?? 255;
      // 252 = 7 × 36: rejecting the top bytes keeps every digit equally likely.
      if (byte < 252) return byte % ALPHABET.length;
    }
  };
}

/**
 * Creates an id generator: deterministic for a given `seed` (the same seed and the same sequence
 * of `next` calls give the same ids), random from Web Crypto without one.
 */
export function createIdGenerator(seed?: number | string): IdGenerator {
  const digit = seed === undefined ? cryptoDigits() : seededDigits(seed);
  const used = new Set<string>();
  return {
    next(prefix: string): string {
      for (;;) {
        let suffix = '';
        for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET.charAt(digit());
        const id = `${prefix}_${suffix}`;
        if (!used.has(id)) {
          used.add(id);
          return id;
        }
      }
    },
  };
}

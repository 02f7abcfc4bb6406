// The studio's JSON API. A refused request rejects with an Error carrying the server's per-field `errors`.

/**
 * JSON.parse that keeps integers beyond 2^53 (the plan's 64-bit seeds) exact: they become JSON.rawJSON values,
 * which JSON.stringify writes back digit for digit.
 */
export function parseJson(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? '')
      ? JSON.rawJSON(context.source) : value);
}

/** A seed typed by the user: a number, or an exact raw integer when it is too large for one. */
export function seedValue(text) {
  const trimmed = String(text).trim();
  return /^-?\d+$/.test(trimmed) && !Number.isSafeInteger(Number(trimmed)) ? JSON.rawJSON(trimmed) : Number(trimmed);
}

/** A seed for showing in an input. */
export const seedText = seed => (seed && typeof seed === 'object' && 'rawJSON' in seed ? seed.rawJSON : String(seed ?? ''));

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? parseJson(text) : null;
  } catch {
    json = { error: text };
  }
  if (!response.ok) {
    const error = new Error(json?.error ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.errors = json?.errors ?? [];
    throw error;
  }
  return json;
}

export const fileUrl = (name, download) => `/api/files/${encodeURIComponent(name)}${download ? '?download=1' : ''}`;

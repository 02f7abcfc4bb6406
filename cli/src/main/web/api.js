// The studio's JSON API. A refused request rejects with an Error carrying the server's per-field `errors`.

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
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

// Small DOM helpers. Data from the API is only ever set as text or attributes, never parsed as HTML.

/** Creates an element with attributes (false/null/undefined values are skipped) and optional text. */
export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** True for an absolute http(s) URL. */
export function isWebUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** True for a path on this site (the segmented images), never "//host". */
export function isSameOriginPath(value) {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//');
}

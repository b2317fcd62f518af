// Search by photo: checks a chosen or dropped file before it is sent, and checks a pasted image address.

/** Photos the API takes. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** The largest photo sent, in bytes. */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024;

/**
 * Photos above this are re-encoded smaller before they are sent: the deployed API (API Gateway in front of a
 * Lambda) takes about 4.5 MB of image, and the model looks at 1024 pixels at most anyway.
 */
export const SEND_LIMIT_BYTES = 3 * 1024 * 1024;

/** The photo to send: `file` itself when small enough, else a JPEG re-encoding of at most 2048 pixels a side. */
export async function shrinkForUpload(file) {
  if (file.size <= SEND_LIMIT_BYTES || typeof createImageBitmap !== 'function') return file;
  try {
    const bitmap = await createImageBitmap(file);
    for (const side of [2048, 1536, 1024]) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      if (blob.size <= SEND_LIMIT_BYTES) return blob;
    }
  } catch {
    // The browser cannot decode it: send it as it is and let the server say what is wrong.
  }
  return file;
}

function megabytes(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Why `file` cannot be searched with, in words, or '' when it can. */
export function photoProblem(file) {
  const name = file.name ? `“${file.name}”` : 'That file';
  if (!file.type.startsWith('image/')) {
    return `${name} is not a photo. Please choose a JPEG, PNG or WebP picture.`;
  }
  if (!PHOTO_TYPES.includes(file.type)) {
    const kind = file.type.slice('image/'.length).toUpperCase();
    return `${name} is a ${kind} picture, which we cannot read. Please choose a JPEG, PNG or WebP picture.`;
  }
  if (file.size === 0) return `${name} is empty. Please choose another photo.`;
  if (file.size > MAX_PHOTO_BYTES) {
    return `${name} is ${megabytes(file.size)}; photos must be 8 MB or smaller. Please choose a smaller one.`;
  }
  return '';
}

/** Why `text` is not an image address we can send, in words, or ''. */
export function imageUrlProblem(text) {
  const value = text.trim();
  if (!value) return 'Paste the address of a picture first (it starts with https://).';
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return '';
  } catch {
    // falls through to the message
  }
  return 'That does not look like a web address. It should start with https://';
}

/** Calls `onFile` with a file chosen in `input` or dropped on `zone`. */
export function acceptPhotos(input, zone, onFile) {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) onFile(file);
  });
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'dragend'])
    zone.addEventListener(type, () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
}

/** A data: URL of the photo for a preview (the page's CSP allows data: images, not blob:). */
export function previewOf(file) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result)));
    reader.addEventListener('error', () => resolve(''));
    reader.readAsDataURL(file);
  });
}

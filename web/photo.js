// Search by photo: checks a chosen or dropped file before it is sent, and checks a pasted image address.

/** Photos the API takes. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** The largest photo sent, in bytes. */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024;

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

"""Reference model inputs computed as the authors' Python computes them (PIL + numpy), for the conformance test.

Reads a JSON list of cases on stdin; writes each case's float32 NCHW tensor (batch of one) to its `out` file.
Each case: src (image file), background ([r, g, b]: transparent pixels are composited onto it, as our decoder
does), fit ('pad': centred on a square of the background colour first, as our pad fit does; 'model': as is),
family ('clip' | 'siglip' | 'rembg'), and for rembg: size, mean, std.
"""
import json
import sys

import numpy as np
from PIL import Image

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073])
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711])


def load(src, background):
    im = Image.open(src)
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        base = Image.new("RGBA", im.size, tuple(background) + (255,))
        im = Image.alpha_composite(base, im)
    return im.convert("RGB")


def pad_square(im, colour):
    side = max(im.size)
    out = Image.new("RGB", (side, side), tuple(colour))
    out.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
    return out


def clip(im):
    # CLIPImageProcessor: shortest edge to 224 (BICUBIC), centre crop 224, /255, CLIP mean/std.
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(224 * long / short)
    size = (224, new_long) if w <= h else (new_long, 224)
    im = im.resize(size, Image.BICUBIC)
    top, left = (im.height - 224) // 2, (im.width - 224) // 2
    im = im.crop((left, top, left + 224, top + 224))
    x = np.asarray(im, dtype=np.float64) / 255.0
    return (x - CLIP_MEAN) / CLIP_STD


def siglip(im):
    # SiglipImageProcessor: 224x224 BICUBIC (aspect not kept), /255, mean 0.5, std 0.5.
    x = np.asarray(im.resize((224, 224), Image.BICUBIC), dtype=np.float64) / 255.0
    return (x - 0.5) / 0.5


def rembg(im, size, mean, std):
    # rembg BaseSession.normalize: LANCZOS to the square, divide by the max, (x - mean) / std.
    x = np.asarray(im.resize((size, size), Image.LANCZOS), dtype=np.float64)
    x = x / max(np.max(x), 1e-6)
    return (x - np.array(mean)) / np.array(std)


for case in json.load(sys.stdin):
    im = load(case["src"], case["background"])
    if case["fit"] == "pad":
        im = pad_square(im, case["background"])
    family = case["family"]
    if family == "clip":
        x = clip(im)
    elif family == "siglip":
        x = siglip(im)
    else:
        x = rembg(im, case["size"], case["mean"], case["std"])
    x.transpose(2, 0, 1)[np.newaxis].astype("<f4").tofile(case["out"])

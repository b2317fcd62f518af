import type { SegmentModelSpec } from '#core/model-spec.ts';
import { aboutMb, file, IMAGENET_MEAN, IMAGENET_STD, labelMap, squareImage } from './shared.ts';

// rembg (danielgatis/rembg): rembg/sessions/{u2net_cloth_seg,u2netp,dis_general_use}.py and base.py, bg.py.
// Every session: RGB, LANCZOS to the square, divide by the image max, (x - mean) / std, NCHW float32.

const REMBG_RELEASE = 'https://github.com/danielgatis/rembg/releases/download/v0.0.0';
const REMBG = { baseUrl: REMBG_RELEASE, revision: 'v0.0.0', page: 'https://github.com/danielgatis/rembg' };

/** rembg's u2net_cloth_seg: 4-class cloth parsing (background, upper, lower, full body). */
export const u2netClothSeg: SegmentModelSpec = {
  id: 'u2net_cloth_seg',
  name: 'U2NET cloth segmentation (rembg)',
  task: 'segment',
  standIn: false,
  licence: 'MIT (levindabhi/cloth-segmentation); rembg states no licence for the ONNX asset',
  source: REMBG,
  // md5 from rembg/sessions/u2net_cloth_seg.py (pooch); ~176 MB per third parties.
  files: [aboutMb('u2net_cloth_seg.onnx', 176, { md5: '2434d1f3cb744e0e49386c906e5a08bb' })],
  notes: [
    'Exact size and sha256 unconfirmed; rembg pins an md5, which fetch checks.',
    'Tensor names, output count and opset unconfirmed; names are read from the session at run time.',
    "The 4 output channels are inferred from U2NET(out_ch=4) and rembg's 4-entry palettes.",
  ],
  contract: 'cloth',
  file: 'u2net_cloth_seg.onnx',
  input: squareImage(768),
  output: labelMap(4, 768),
  inputSize: 768,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  classes: ['background', 'upper', 'lower', 'full'],
  garmentClasses: [1, 2, 3],
};

/** rembg's u2netp: small salient-object model, the light alternative. */
export const u2netp: SegmentModelSpec = {
  id: 'u2netp',
  name: 'U2NETP salient object (rembg)',
  task: 'segment',
  standIn: false,
  licence: 'Apache-2.0 (U-2-Net)',
  source: REMBG,
  files: [aboutMb('u2netp.onnx', 4.7, { md5: '8e83ca70e441ab06c318d82300c84806' })],
  notes: ['Size ~4.7 MB per third parties only; tensor names unconfirmed (read at run time).'],
  contract: 'saliency',
  file: 'u2netp.onnx',
  input: squareImage(320),
  output: labelMap(1, 320),
  inputSize: 320,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  classes: ['saliency'],
  garmentClasses: [],
};

/** rembg's isnet-general-use (DIS): larger saliency model, 1024x1024, mean 0.5 / std 1. */
export const isnetGeneralUse: SegmentModelSpec = {
  id: 'isnet-general-use',
  name: 'IS-Net general use (DIS, rembg)',
  task: 'segment',
  standIn: false,
  licence: 'Apache-2.0 (DIS)',
  source: REMBG,
  files: [file('isnet-general-use.onnx', { md5: 'fc16ebd8b0c10d971d3513d564d01e29' })],
  notes: ['Size varies between third-party reports; tensor names unconfirmed (read at run time).'],
  contract: 'saliency',
  file: 'isnet-general-use.onnx',
  input: squareImage(1024),
  output: labelMap(1, 1024),
  inputSize: 1024,
  mean: [0.5, 0.5, 0.5],
  std: [1, 1, 1],
  classes: ['saliency'],
  garmentClasses: [],
};

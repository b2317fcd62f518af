/** Folder and file names inside the stand-in root (`<modelsDir>/test`), shared by the generator and the registry. */
export const STAND_IN_LAYOUT = {
  clipDir: 'fashion-clip-test',
  siglipDir: 'fashion-siglip-test',
  clothFile: 'u2net_cloth_seg-test.onnx',
  saliencyFile: 'u2netp-test.onnx',
} as const;

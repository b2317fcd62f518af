import { DataType, encodeModel, type GraphSpec } from './onnx-proto.ts';

// rembg feeds both U2NET sessions ImageNet statistics (rembg/sessions/u2net_cloth_seg.py, u2netp.py).
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
const FEATURES = 7;

// First 1x1 conv, on rembg-normalised input x = (p - mean) / std: six channels are the signed
// differences between colour channels of p (their ReLU sum is 2 x saturation), the seventh is
// darkness, 1 - mean(p).
function colourFeatureConv(): { weights: Float32Array; bias: Float32Array } {
  const weights = new Float32Array(FEATURES * 3);
  const bias = new Float32Array(FEATURES);
  const pairs = [
    [0, 1],
    [1, 2],
    [2, 0],
  ] as const;
  pairs.forEach(([a, b], k) => {
    for (const sign of [1, -1]) {
      const row = 2 * k + (sign > 0 ? 0 : 1);
      weights[row * 3 + a] = sign * STD[a];
      weights[row * 3 + b] = -sign * STD[b];
      bias[row] = sign * (MEAN[a] - MEAN[b]);
    }
  });
  for (let c = 0; c < 3; c++) weights[6 * 3 + c] = -(STD[c] as number) / 3;
  bias[6] = 1 - (MEAN[0] + MEAN[1] + MEAN[2]) / 3;
  return { weights, bias };
}

// garmentness = saturation-ish + 2 x darkness; white and light grey stay low.
const GARMENT_WEIGHTS = [1, 1, 1, 1, 1, 1, 2];
const GARMENT_THRESHOLD = 0.8;

interface Head {
  weights: Float32Array;
  bias: Float32Array;
  /** u2netp's first output is a probability map, the cloth model's are logits. */
  sigmoidFirst: boolean;
}

// Height and width are free (1x1 convolutions only), so the stand-ins run at every THREADFINDER_SEGMENT_SIZE.
function graph(name: string, head: Head, doc: string): GraphSpec {
  const outChannels = head.bias.length;
  const features = colourFeatureConv();
  return {
    name,
    docString: doc,
    inputs: [{ name: 'input.1', dataType: DataType.FLOAT, shape: [1, 3, 'height', 'width'] }],
    outputs: [
      { name: '1959', dataType: DataType.FLOAT, shape: [1, outChannels, 'height', 'width'] },
      { name: '1960', dataType: DataType.FLOAT, shape: [1, outChannels, 'height', 'width'] },
    ],
    initializers: [
      { name: 'features.weight', dims: [FEATURES, 3, 1, 1], data: features.weights },
      { name: 'features.bias', dims: [FEATURES], data: features.bias },
      { name: 'head.weight', dims: [outChannels, FEATURES, 1, 1], data: head.weights },
      { name: 'head.bias', dims: [outChannels], data: head.bias },
    ],
    nodes: [
      { op: 'Conv', inputs: ['input.1', 'features.weight', 'features.bias'], outputs: ['features'] },
      { op: 'Relu', inputs: ['features'], outputs: ['features.relu'] },
      { op: 'Conv', inputs: ['features.relu', 'head.weight', 'head.bias'], outputs: ['logits'] },
      { op: head.sigmoidFirst ? 'Sigmoid' : 'Identity', inputs: ['logits'], outputs: ['1959'] },
      { op: head.sigmoidFirst ? 'Identity' : 'Sigmoid', inputs: ['logits'], outputs: ['1960'] },
    ],
  };
}

/** u2net_cloth_seg stand-in: [1,3,H,W] to logits [1,4,H,W]; class 1 (upper) on garment-like pixels, else 0. */
export function buildClothGraph(): Uint8Array {
  const weights = new Float32Array(4 * FEATURES);
  weights.set(GARMENT_WEIGHTS, 1 * FEATURES);
  const bias = Float32Array.from([GARMENT_THRESHOLD, 0, -10, -10]);
  const doc = 'Threadfinder stand-in for u2net_cloth_seg: colour heuristic, not a trained model.';
  return encodeModel(graph('stand_in_u2net_cloth_seg', { weights, bias, sigmoidFirst: false }, doc));
}

/** u2netp stand-in: [1,3,H,W] to saliency [1,1,H,W], high on garment-like pixels. */
export function buildSaliencyGraph(): Uint8Array {
  const weights = Float32Array.from(GARMENT_WEIGHTS.map((w) => 4 * w));
  const bias = Float32Array.from([-4 * GARMENT_THRESHOLD]);
  const doc = 'Threadfinder stand-in for u2netp: colour heuristic, not a trained model.';
  return encodeModel(graph('stand_in_u2netp', { weights, bias, sigmoidFirst: true }, doc));
}

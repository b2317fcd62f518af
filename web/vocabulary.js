// The garment vocabulary, in one file: the page's feature pickers (features.js) and the auto-tagger
// (core/tags/vocabulary.ts, through the `#web/vocabulary.js` alias) both read it, so the two cannot drift.
// Data only: no DOM, no imports. Types: vocabulary.d.ts.
//
// Each group:
//   name     the picker (data-testid `feature-<name>`), the tag group, the filter parameter `tag_<name>`
//   label    what the page calls it
//   columns  catalog columns that hold the same fact: where a catalog has one, its values win over auto-tags
//   values   the choices, in the pickers' order
//   phrase   how a value describes a garment in a tag prompt (`{value}` is replaced); `phrases` overrides it
//            for single values, `words` are what a pick writes into the query sentence (default: the value)
//   aliases  other spellings of a value in catalogs (`threadfinder eval` compares tags with metadata through them)

export const VOCABULARY = [
  {
    name: 'type',
    label: 'Garment',
    columns: ['garment', 'type'],
    phrase: '{value}',
    values: [
      't-shirt',
      'shirt',
      'blouse',
      'dress',
      'skirt',
      'trousers',
      'jeans',
      'shorts',
      'jumper',
      'jacket',
      'coat',
    ],
    phrases: { trousers: 'pair of trousers', jeans: 'pair of jeans', shorts: 'pair of shorts' },
    aliases: {
      't-shirt': ['tshirt', 't shirt', 'tee'],
      trousers: ['pants'],
      jumper: ['sweater', 'pullover'],
    },
  },
  {
    name: 'colour',
    label: 'Colour',
    columns: ['color', 'colour'],
    phrase: '{value} garment',
    values: [
      'red',
      'pink',
      'orange',
      'yellow',
      'green',
      'blue',
      'navy',
      'purple',
      'beige',
      'brown',
      'grey',
      'black',
      'white',
    ],
    aliases: { grey: ['gray'], navy: ['navy blue'] },
  },
  {
    name: 'pattern',
    label: 'Pattern',
    columns: ['pattern'],
    phrase: '{value} garment',
    values: ['plain', 'striped', 'checked', 'polka-dot', 'floral', 'printed'],
    aliases: {
      plain: ['solid'],
      striped: ['stripes', 'stripe'],
      checked: ['checks', 'check', 'checkered', 'plaid', 'gingham'],
      'polka-dot': ['dots', 'dot', 'polka dot', 'polka dots', 'dotted'],
      printed: ['print'],
    },
  },
  {
    name: 'sleeve',
    label: 'Sleeves',
    columns: ['sleeve', 'sleeves'],
    phrase: '{value} garment',
    values: ['sleeveless', 'short-sleeved', 'long-sleeved'],
  },
  {
    name: 'neckline',
    label: 'Neckline',
    columns: ['neckline'],
    phrase: '{value} garment',
    values: ['crew-neck', 'v-neck', 'collared', 'turtleneck', 'off-shoulder'],
  },
  {
    name: 'fit',
    label: 'Fit',
    columns: ['fit'],
    phrase: '{value}-fit garment',
    values: ['slim', 'regular', 'loose', 'oversized'],
    phrases: { oversized: 'oversized garment' },
  },
  {
    name: 'length',
    label: 'Length',
    columns: ['length'],
    phrase: '{value} garment',
    values: ['cropped', 'short', 'knee-length', 'midi', 'long'],
    phrases: { midi: 'midi-length garment' },
  },
  {
    name: 'material',
    label: 'Material',
    columns: ['material', 'fabric'],
    phrase: '{value} garment',
    values: ['cotton', 'denim', 'linen', 'wool', 'silk', 'leather', 'knit'],
    aliases: { wool: ['woollen', 'woolen'], knit: ['knitted', 'knitwear'] },
  },
  {
    name: 'occasion',
    label: 'Occasion',
    columns: ['occasion'],
    phrase: 'garment {words}',
    values: ['casual', 'office', 'party', 'wedding', 'beach', 'sport'],
    words: {
      casual: 'for every day',
      office: 'for the office',
      party: 'for a party',
      wedding: 'for a wedding',
      beach: 'for the beach',
      sport: 'for sport',
    },
  },
];

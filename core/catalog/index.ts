export { CatalogError, CatalogFormatError, EmptyCatalogError } from './catalog-error.ts';
export { type CatalogFormat, detectFormat } from './detect.ts';
export { CATALOG_LIMITS } from './limits.ts';
export { type ParseCatalogOptions, type ParsedCatalog, parseCatalog } from './parse.ts';
export { type ReadCatalogOptions, readCatalogBytes, readCatalogFile } from './read.ts';

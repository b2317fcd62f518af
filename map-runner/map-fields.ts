import { isObject } from './asl.ts';
import { UnsupportedDefinitionError } from './errors.ts';
import type { MapSettingName } from './map-setting-names.ts';

const S3_GET_OBJECT = /^arn:[\w-]+:states:::s3:getObject$/;
const S3_PUT_OBJECT = /^arn:[\w-]+:states:::s3:putObject$/;

/** The ItemReader's S3 parameters; refuses readers other than a JSON s3:getObject. */
export function readerParameters(reader: unknown, where: string): Record<string, unknown> {
  if (!isObject(reader)) throw new UnsupportedDefinitionError(`${where}: ItemReader must be an object`);
  onlyFields(reader, new Set(['Resource', 'Parameters', 'Arguments', 'ReaderConfig']), `${where} ItemReader`);
  if (typeof reader.Resource !== 'string' || !S3_GET_OBJECT.test(reader.Resource)) {
    throw new UnsupportedDefinitionError(
      `${where}: ItemReader.Resource ${JSON.stringify(reader.Resource)} is not supported locally (s3:getObject only)`,
    );
  }
  return s3Parameters(reader, `${where}: ItemReader`);
}

/** The ResultWriter's S3 parameters; refuses anything but s3:putObject with NONE/JSON output. */
export function writerParameters(
  writer: unknown,
  where: string,
): { resource: string; parameters: Record<string, unknown> } {
  if (!isObject(writer)) throw new UnsupportedDefinitionError(`${where}: ResultWriter must be an object`);
  onlyFields(
    writer,
    new Set(['Resource', 'Parameters', 'Arguments', 'WriterConfig']),
    `${where} ResultWriter`,
  );
  if (typeof writer.Resource !== 'string' || !S3_PUT_OBJECT.test(writer.Resource)) {
    throw new UnsupportedDefinitionError(
      `${where}: ResultWriter.Resource ${JSON.stringify(writer.Resource)} is not supported locally (s3:putObject only)`,
    );
  }
  const config = writer.WriterConfig;
  if (config !== undefined) {
    if (!isObject(config))
      throw new UnsupportedDefinitionError(`${where}: ResultWriter.WriterConfig must be an object`);
    onlyFields(config, new Set(['Transformation', 'OutputType']), `${where} ResultWriter.WriterConfig`);
    if (config.Transformation !== undefined && config.Transformation !== 'NONE') {
      throw new UnsupportedDefinitionError(
        `${where}: ResultWriter.WriterConfig.Transformation ${JSON.stringify(config.Transformation)} is not supported locally (NONE only)`,
      );
    }
    if (config.OutputType !== undefined && config.OutputType !== 'JSON') {
      throw new UnsupportedDefinitionError(
        `${where}: ResultWriter.WriterConfig.OutputType ${JSON.stringify(config.OutputType)} is not supported locally (JSON only)`,
      );
    }
  }
  return { resource: writer.Resource, parameters: s3Parameters(writer, `${where}: ResultWriter`) };
}

function s3Parameters(holder: Record<string, unknown>, where: string): Record<string, unknown> {
  if (holder.Parameters !== undefined && holder.Arguments !== undefined) {
    throw new UnsupportedDefinitionError(`${where}.Parameters and ${where}.Arguments are exclusive`);
  }
  const field = holder.Parameters !== undefined ? 'Parameters' : 'Arguments';
  const parameters = holder[field];
  if (!isObject(parameters)) throw new UnsupportedDefinitionError(`${where}.${field} must be an object`);
  if (field === 'Arguments' && JSON.stringify(parameters).includes('{%')) {
    throw new UnsupportedDefinitionError(
      `${where}.Arguments uses JSONata expressions, which are not supported locally`,
    );
  }
  return parameters;
}

/** Throws naming the first field of `holder` that is not in `allowed`. */
export function onlyFields(holder: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const field of Object.keys(holder)) {
    if (!allowed.has(field))
      throw new UnsupportedDefinitionError(`${where}: field ${field} is not supported locally`);
  }
}

/** Checks a Map setting's value (fixed or resolved from a path); percentages are 0-100. */
export function nonNegativeInteger(value: unknown, where: string, name: MapSettingName): number {
  const max = name === 'ToleratedFailurePercentage' ? 100 : Number.MAX_SAFE_INTEGER;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max;
  const integral = name === 'ToleratedFailurePercentage' || Number.isInteger(value);
  if (!ok || !integral) {
    const range = name === 'ToleratedFailurePercentage' ? 'a number from 0 to 100' : 'a non-negative integer';
    throw new UnsupportedDefinitionError(`${where} must be ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

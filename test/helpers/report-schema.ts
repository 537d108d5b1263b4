// Checks documents against the published JSON Schemas, as any consumer of the report would.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fileURLToPath } from 'node:url';

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateFormats: false });

function loadSchema(name: string): object {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../schemas/${name}`, import.meta.url)), 'utf8')) as object;
}

const validateReport = ajv.compile(loadSchema('report.schema.json'));

/** Returns the schema errors of a report, as readable lines (empty when valid). */
export function reportSchemaErrors(report: unknown): string[] {
  if (validateReport(report)) return [];
  return (validateReport.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

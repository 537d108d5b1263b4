// Checks documents against the published JSON Schemas, as any consumer of the report would.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { RunReport } from '../../src/report/types.js';

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

/** Reads a report file and fails the test unless it matches the published report schema. */
export function readCheckedReport(file: string): RunReport {
  const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
  expect(reportSchemaErrors(report)).toEqual([]);
  return report;
}

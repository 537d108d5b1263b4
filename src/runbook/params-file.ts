// Reads a `--params-file`: a YAML or JSON mapping of param names to values, read with the same limits and
// the same safe parser as a runbook, keeping where each value is written for messages.

import { ValidationError } from '../errors.js';
import { formatPath, parseYaml } from './document.js';
import { readTextWithinLimit } from './load.js';
import { DEFAULTS } from './model.js';
import { isPlainObject } from '../common/plain-data.js';
import type { ParamValues } from './params.js';

/**
 * The values of a params file, each with its place in the file.
 * @throws ValidationError: FILE_NOT_FOUND, FILE_TOO_LARGE, YAML_* at file:line:col, or BAD_PARAM for a
 * file that holds no mapping.
 */
export async function readParamsFile(file: string): Promise<ParamValues> {
  const { text } = await readTextWithinLimit(file, DEFAULTS.maxFileBytes, {
    noun: 'params file',
    whenTooLarge: 'split it into several params files, each given with --params-file',
  });
  const { source, diagnostics, data } = parseYaml(text, file);
  if (diagnostics.length > 0) throw new ValidationError(diagnostics);
  if (!isPlainObject(data)) {
    const what =
      data === null || data === undefined ? 'nothing (it is empty, or only comments)' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    throw new ValidationError([
      {
        code: 'BAD_PARAM',
        message: `the params file holds ${what}; write a mapping of param names to values, such as hosts: [20, 21]`,
        file,
        line: 1,
        column: 1,
      },
    ]);
  }
  return {
    source: `params file ${file}`,
    values: data,
    locate: (path, at) => ({ file, ...source.locate(path, at), path: formatPath(path) }),
  };
}

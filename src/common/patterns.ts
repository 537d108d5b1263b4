// Regular expressions (as JSON Schema `pattern` strings) shared by the runbook schema and the actions' input schemas.

/** Request header names a step may set: any but Host, in any case (the connection's url decides where a request goes). */
export const NOT_HOST_HEADER_PATTERN = '^(?![Hh][Oo][Ss][Tt]$)';

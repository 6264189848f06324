/** The file is not the format it was read as (the command turns this into exit code 2). */
export class FormatError extends Error {}

// What every command returns: the report for stdout, the exit code, and the report as data (for
// `--log-format json`, where stdout carries one JSON object per line).
export interface CommandResult {
  output: string;
  exitCode: number;
  /** The report as data; printed instead of `output` with --log-format json. */
  data: unknown;
}

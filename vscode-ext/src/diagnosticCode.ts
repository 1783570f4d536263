// The Starlane code of a diagnostic (`E0006`), however the client represents it. Pure (no
// `vscode` import), so node's test runner can test it.

export type DiagnosticCode = string | number | { value: string | number } | undefined;

/** `E0006` / `W0101` when the code is one of Starlane's; otherwise `undefined`. */
export function starlaneCode(code: DiagnosticCode): string | undefined {
  const value = typeof code === 'object' && code !== null ? code.value : code;
  const text = value === undefined ? '' : String(value);
  return /^[EW]\d{4}$/.test(text) ? text : undefined;
}

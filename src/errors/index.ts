// Errors: LifeboatError (what went wrong, what to do, the exit code), redaction of secrets, the error report printed to the user.
// A leaf: it must never import anything from src/, and never put a credential or Secret value into a message.
export * from './lifeboat-error.ts';
export * from './redact.ts';
export * from './report.ts';

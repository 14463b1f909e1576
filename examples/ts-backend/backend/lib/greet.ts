// Pure greeting logic, imported by the entrypoint with an explicit .ts extension.
export function greet(name: string): string {
  const trimmed = name.trim().slice(0, 64) || "world";
  return `Hello, ${trimmed}!`;
}

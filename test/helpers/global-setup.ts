// Filled in by the database helper; kept separate so unit tests need no database.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => undefined;
}

// A statement whose rows are handled one by one as they arrive, not gathered first: at 100,000
// rows the handling then overlaps the server still sending them.
import pg from 'pg';

/**
 * Runs `text` with `values` on `client`, calling `onRow` for each row as it arrives. Resolves once
 * every row is handled; rejects with the statement's error, or with the first error `onRow`
 * throws (the rows after it are not handled, and the statement is read to its end).
 */
export function eachRow<R extends pg.QueryResultRow>(
  client: pg.Client,
  text: string,
  values: unknown[],
  onRow: (row: R) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: { error: unknown } | undefined;
    const query = client.query(new pg.Query<R>(text, values));
    query.on('row', (row: R) => {
      if (failure) return;
      try {
        onRow(row);
      } catch (error) {
        failure = { error };
      }
    });
    query.on('error', reject);
    query.on('end', () => (failure ? reject(failure.error) : resolve()));
  });
}

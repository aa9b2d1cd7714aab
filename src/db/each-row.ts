// A statement whose rows are handled one by one as they arrive, not gathered first: at 100,000
// rows the handling then overlaps the server still sending them.
import pg from 'pg';

/** A row as the server sent it: each column's text, or null. */
export type Fields = readonly (string | null)[];

/**
 * The driver's query, handing over each row's fields as sent rather than as an object of parsed
 * values: at 100,000 rows, 20 ms less of the client's time, which is what the rows wait for
 * (BENCHMARKS.md, issue 9). handleDataRow is part of the driver's submittable interface (the one
 * pg-cursor implements).
 */
class FieldsQuery extends pg.Query {
  constructor(
    text: string,
    values: unknown[],
    private readonly onFields: (fields: Fields) => void,
  ) {
    super(text, values);
  }

  handleDataRow(message: { fields: Fields }): void {
    this.onFields(message.fields);
  }
}

/**
 * Runs `text` with `values` on `client`, calling `onRow` with each row's fields (in the order of
 * the statement's columns) as it arrives. Resolves once every row is handled; rejects with the
 * statement's error, or with the first error `onRow` throws (the rows after it are not handled,
 * and the statement is read to its end).
 */
export function eachRow(
  client: pg.Client,
  text: string,
  values: unknown[],
  onRow: (fields: Fields) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: { error: unknown } | undefined;
    const query = client.query(
      new FieldsQuery(text, values, (fields) => {
        if (failure) return;
        try {
          onRow(fields);
        } catch (error) {
          failure = { error };
        }
      }),
    );
    query.on('error', reject);
    query.on('end', () => (failure ? reject(failure.error) : resolve()));
  });
}

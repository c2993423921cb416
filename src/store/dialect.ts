import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

/** What differs between SQL engines, expressed as capabilities rather than `if (dialect === ...)`. */
export interface DialectCapabilities {
  readonly name: 'sqlite' | 'postgres';
  /** Row locks (`SELECT ... FOR UPDATE`); SQLite serialises writers instead. */
  readonly rowLocks: boolean;
  /** Adds an auto-incrementing integer primary key called `id`. */
  addSerialId<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
  readonly blobType: 'blob' | 'bytea';
}

export const sqliteCapabilities: DialectCapabilities = {
  name: 'sqlite',
  rowLocks: false,
  addSerialId: (t) => t.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement()),
  blobType: 'blob',
};

import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type RawBuilder } from 'kysely';

/** What differs between SQL engines, expressed as capabilities rather than `if (dialect === ...)`. */
export interface DialectCapabilities {
  readonly name: 'sqlite' | 'postgres';
  /** Row locks (`SELECT ... FOR UPDATE SKIP LOCKED`); SQLite serialises writers instead. */
  readonly rowLocks: boolean;
  /**
   * Whether several platform processes may share the database. SQLite is one process's file; on
   * PostgreSQL another live process may hold a lease, so start-up must not release leases it finds.
   */
  readonly sharedByProcesses: boolean;
  /** Adds an auto-incrementing integer primary key called `id`. */
  addSerialId<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
  readonly blobType: 'blob' | 'bytea';
  /** `column` holds a JSON array (as text); true when it contains the integer `value`. */
  jsonArrayContainsInteger(column: string, value: number): RawBuilder<boolean>;
}

export const sqliteCapabilities: DialectCapabilities = {
  name: 'sqlite',
  rowLocks: false,
  sharedByProcesses: false,
  addSerialId: (t) => t.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement()),
  blobType: 'blob',
  jsonArrayContainsInteger: (column, value) => sql<boolean>`exists (select 1 from json_each(${sql.ref(column)}) where json_each.value = ${value})`,
};

export const postgresCapabilities: DialectCapabilities = {
  name: 'postgres',
  rowLocks: true,
  sharedByProcesses: true,
  addSerialId: (t) => t.addColumn('id', 'bigserial', (c: ColumnDefinitionBuilder) => c.primaryKey()),
  blobType: 'bytea',
  jsonArrayContainsInteger: (column, value) => sql<boolean>`(${sql.ref(column)})::jsonb @> jsonb_build_array(${value}::bigint)`,
};

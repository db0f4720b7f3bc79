// DuckDB as a CodeMirror SQL dialect: its reserved words and the statement words of notebook SQL.
// The lists come from DuckDB's `duckdb_keywords()` and `duckdb_types()`; unreserved words that are
// also common column names (name, year, value, ...) are left out so they read as names.
import { SQLDialect } from '@codemirror/lang-sql';

const keywords =
  // reserved
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint ' +
  'create default deferrable desc describe distinct do else end except false fetch for foreign from group ' +
  'having in initially intersect into lambda lateral leading limit not null offset on only or order pivot ' +
  'pivot_longer pivot_wider placing primary qualify references returning select show some summarize ' +
  'symmetric table then to trailing true union unique unpivot using variadic when where window with ' +
  // type and function words
  'anti asof at authorization by collation columns concurrently cross freeze full generated glob ilike ' +
  'inner is isnull join left like natural notnull outer overlaps positional right semi similar tablesample ' +
  'try_cast unpack verbose between exists grouping grouping_id values ' +
  // statements and clauses
  'alter attach begin call checkpoint commit copy cube database delete detach drop exclude explain export ' +
  'filter first following function if import install insert last load macro materialized merge nulls ' +
  'over partition pragma preceding range recursive rename replace rollback rollup rows schema secret ' +
  'sequence set temp temporary transaction unbounded update use vacuum view';

const types =
  'bigint bignum binary bit bitstring blob bool boolean bpchar bytea char date datetime dec decimal double ' +
  'enum float geometry guid hugeint int integer interval json list map numeric nvarchar real smallint ' +
  'string struct text time timestamp timestamptz timetz tinyint ubigint uhugeint uinteger union ' +
  'usmallint utinyint uuid varbinary varchar variant varint';

const builtin =
  'coalesce extract nullif position substring trim count sum avg min max any_value arg_max arg_min ' +
  'list string_agg read_csv read_parquet read_json range generate_series unnest struct_pack';

export const DuckDB = SQLDialect.define({
  keywords,
  types,
  builtin,
  backslashEscapes: false,
  doubleQuotedStrings: false, // "x" is an identifier
  doubleDollarQuotedStrings: true,
  hashComments: false,
  slashComments: false,
  specialVar: '$?', // $name binds a Python variable
  caseInsensitiveIdentifiers: true
});

// What a read-only analytics query may call on PostgreSQL: built-in functions that read, compute or format
// and cannot write, sleep, lock, reach the file system or the network, change settings or assign a
// transaction id. Anything else (including every user-defined function, which may write) needs
// `allowFunctions`. Names are matched lower case, with or without the `pg_catalog` schema.

const AGGREGATES =
  'count sum avg min max array_agg string_agg json_agg jsonb_agg json_object_agg jsonb_object_agg bool_and bool_or every ' +
  'stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop covar_samp regr_avgx regr_avgy regr_count ' +
  'regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy percentile_cont percentile_disc mode bit_and bit_or bit_xor ' +
  'any_value range_agg range_intersect_agg xmlagg';
const WINDOW = 'row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value';
const MATH =
  'abs ceil ceiling floor round trunc sqrt cbrt power pow exp ln log log10 mod sign div pi degrees radians sin cos tan asin ' +
  'acos atan atan2 sinh cosh tanh width_bucket gcd lcm factorial scale min_scale trim_scale numeric float8 int4 int8 greatest least';
const TEXT =
  'lower upper length char_length character_length octet_length bit_length substr substring position strpos trim btrim ltrim ' +
  'rtrim lpad rpad replace concat concat_ws left right repeat reverse split_part initcap format to_char to_number to_date ' +
  'to_timestamp regexp_replace regexp_match regexp_matches regexp_split_to_array regexp_split_to_table regexp_like ' +
  'regexp_count regexp_instr regexp_substr starts_with translate md5 sha224 sha256 sha384 sha512 encode decode quote_ident ' +
  'quote_literal quote_nullable ascii chr string_to_array array_to_string string_to_table unistr normalize overlay ' +
  'to_hex to_ascii casefold';
const TIME =
  'now date_trunc date_part extract age make_date make_time make_interval make_timestamp make_timestamptz justify_days ' +
  'justify_hours justify_interval date_bin timezone isfinite statement_timestamp transaction_timestamp clock_timestamp ' +
  'timeofday date';
const JSON_FNS =
  'json_build_object jsonb_build_object json_build_array jsonb_build_array json_object jsonb_object json_array_elements ' +
  'jsonb_array_elements json_array_elements_text jsonb_array_elements_text json_each jsonb_each json_each_text ' +
  'jsonb_each_text json_object_keys jsonb_object_keys json_extract_path jsonb_extract_path json_extract_path_text ' +
  'jsonb_extract_path_text json_typeof jsonb_typeof json_array_length jsonb_array_length to_json to_jsonb row_to_json ' +
  'array_to_json json_strip_nulls jsonb_strip_nulls jsonb_pretty jsonb_set jsonb_set_lax jsonb_insert jsonb_path_query ' +
  'jsonb_path_query_array jsonb_path_query_first jsonb_path_exists jsonb_path_match json_populate_record ' +
  'jsonb_populate_record json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset json_scalar json_serialize';
const ARRAYS =
  'array_length cardinality unnest array_position array_positions array_remove array_replace array_append array_prepend ' +
  'array_cat array_upper array_lower array_ndims array_dims array_fill trim_array array_sample array_shuffle array_reverse array_sort';
const SETS_AND_MISC =
  'generate_series generate_subscripts coalesce nullif num_nulls num_nonnulls format_type to_tsvector to_tsquery ' +
  'plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd ts_headline lower_inc upper_inc isempty ' +
  'lower_inf upper_inf range_merge host hostmask netmask network masklen family broadcast abbrev inet_same_family ' +
  'gen_random_uuid uuidv4 random random_normal';

/** Built-in functions a read-only query may call. */
export const PG_READ_FUNCTIONS: ReadonlySet<string> = new Set(
  [AGGREGATES, WINDOW, MATH, TEXT, TIME, JSON_FNS, ARRAYS, SETS_AND_MISC].flatMap((s) => s.split(/\s+/)),
);

/** Built-in types a value may be cast to (user-defined casts may run arbitrary functions; reg* casts look up catalog objects). */
export const PG_CAST_TYPES: ReadonlySet<string> = new Set(
  (
    'int2 int4 int8 integer smallint bigint int numeric decimal float4 float8 real text varchar bpchar char name bool boolean ' +
    'date time timetz timestamp timestamptz interval json jsonb uuid bytea inet cidr macaddr macaddr8 money bit varbit ' +
    'tsvector tsquery int4range int8range numrange tsrange tstzrange daterange int4multirange int8multirange nummultirange ' +
    'tsmultirange tstzmultirange datemultirange point line lseg box path polygon circle xml citext'
  ).split(/\s+/),
);

/**
 * Operators a query may use: symbols of built-in operators. An `OPERATOR(schema.op)` in another schema, or
 * a symbol outside this list, may be user-defined (an operator runs a function) and is refused.
 */
export const PG_OPERATORS: ReadonlySet<string> = new Set(
  (
    '= <> != < > <= >= + - * / % ^ || ~~ !~~ ~~* !~~* ~ ~* !~ !~* @> <@ -> ->> #> #>> ? ?| ?& && @@ @@@ << >> <<= >>= ' +
    '|/ ||/ @ & | # ~ <-> -|- &< &> @? #- !! ~= <^ >^ ?# ?- ?|| @-@ ## <<| |>> &<| |&> ^@'
  )
    .split(/\s+/)
    // BETWEEN and its forms are spelled as words in the tree.
    .concat(['BETWEEN', 'NOT BETWEEN', 'BETWEEN SYMMETRIC', 'NOT BETWEEN SYMMETRIC']),
);

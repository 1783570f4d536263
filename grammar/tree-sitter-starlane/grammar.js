/**
 * Tree-sitter grammar for Starlane `.bind` documents (and the 2022 App and 2021 router files).
 *
 * It follows `specs/language.md`, but for editors: it is as strict as needed for highlighting,
 * folding and text objects, and it must accept every file the real parser accepts without
 * errors (a Rust test parses the conformance corpus and the real Starlane files with it). Where
 * the real lexer is context-sensitive (a path regex starts at `/` right after a name, `>` or
 * `)`), `token.immediate` says the same thing.
 *
 * @file Starlane bind grammar for tree-sitter
 * @license MIT OR Apache-2.0
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const ident = /[A-Za-z_][A-Za-z0-9_]*/;
// Skewer names (`save-profile`): a segment never ends in `-`, so `app->` splits.
const name = /[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*/;
// One run of point text between variables: anything but delimiters, `$` and whitespace.
const pointText = /[^\s;,=^()\[\]{}<>$&~"'#]+/;
const variable = /\$\{[^}\s]*\}|\$\([^)\s]*\)|\$[0-9]+/;

export default grammar({
  name: 'starlane',

  extras: $ => [/\s/, $.comment],

  rules: {
    source_file: $ => optional(choice($.bind_document, $.app_document, $.router_document)),

    comment: _ => token(seq('#', /.*/)),

    // ---- Bind documents ----
    bind_document: $ => seq(
      alias('Bind', $.keyword),
      optional($.header_args),
      optional('->'),
      $.block,
    ),

    header_args: $ => seq('(', alias('version', $.keyword), '=', $.version, ')'),
    version: _ => /[0-9]+(\.[0-9]+)*/,

    block: $ => seq('{', repeat($._item), '}'),

    _item: $ => choice(
      $.requires,
      $.schema_declaration,
      $.port_declaration,
      $.role_declaration,
      $.grant,
      $.call,
      $.limits,
      $.scope,
      $.pipeline,
    ),

    // `Route<Http<Get>>/a -> … ;`, `Route -> { … }`, `Http { … }`, `<Get>/x -> … ;`
    scope: $ => seq(
      $.selector,
      choice(
        seq(optional($._step), $.block),
        $.pipeline,
      ),
    ),

    selector: $ => seq(
      choice(
        $.selector_name,
        seq('<', $.selector_name, '>'),
      ),
      optional($.filters),
      optional($.path_regex),
    ),

    selector_name: $ => seq(
      choice(alias(ident, $.identifier), '*'),
      optional(seq('<', $.selector_name, '>')),
    ),

    // `(auth)-(noauth)`: `-(` is one token, so a chained filter is never mistaken for `-[`.
    filters: $ => seq($.filter, repeat($._chained_filter)),
    filter: $ => seq('(', $._filter_body),
    _chained_filter: $ => alias(seq('-(', $._filter_body), $.filter),
    _filter_body: $ => seq(alias(ident, $.identifier), repeat(choice($.string, alias(ident, $.identifier))), ')'),

    // Runs to the next whitespace, starting right after a name, `>` or `)`.
    path_regex: _ => token.immediate(/\/[^\s]*/),

    // ---- Pipelines ----
    pipeline: $ => seq(repeat1($.segment), ';'),

    segment: $ => seq($._step, $._stop),

    _step: $ => choice($.step, $.payload_step),
    step: _ => choice('->', '=>'),
    payload_step: $ => choice(
      seq('-', '[', optional($.payload_pattern), ']', '->'),
      seq('=', '[', optional($.payload_pattern), ']', '=>'),
    ),

    _stop: $ => choice(
      $.core_stop,
      $.legacy_core_stop,
      $.port_stop,
      $.reflect_stop,
      $.err_stop,
      $.point_stop,
      $.call_stop,
    ),

    core_stop: _ => seq('(', '(', optional('*'), ')', ')'),
    legacy_core_stop: _ => seq('{{', optional('*'), '}}'),
    port_stop: $ => seq('(', '(', alias(name, $.name), ')', ')'),
    reflect_stop: _ => '&',
    err_stop: $ => seq(alias('Err', $.keyword), '(', $.integer, optional(seq(',', $.string)), ')'),
    point_stop: $ => $.point,
    call_stop: $ => seq($.point, '^', $.call_target),

    call_target: $ => seq(
      alias(ident, $.identifier),
      '<',
      choice(alias(ident, $.identifier), '*'),
      '>',
      optional($.path_regex),
    ),

    // `localhost:app:${user}`, `repo:site:1.0.0:/html/index.html`, `GLOBAL::…`, `.`, `..`
    point: $ => seq(
      choice($.point_text, $.variable),
      repeat(choice(alias(token.immediate(pointText), $.point_text), alias(token.immediate(variable), $.variable))),
    ),
    point_text: _ => pointText,
    variable: _ => variable,

    // ---- Payload patterns ----
    payload_pattern: $ => seq(
      choice(
        seq(alias(ident, $.payload_kind), optional(choice($.count, $.map_pattern))),
        '*',
      ),
      repeat($.validator),
    ),
    count: $ => seq(token.immediate('['), optional($.count_range), ']'),
    count_range: _ => /[0-9]+(-[0-9]*)?/,
    map_pattern: $ => seq(
      token.immediate('{'),
      optional(seq($.map_entry, repeat(seq(',', $.map_entry)), optional(','))),
      '}',
    ),
    map_entry: $ => seq(
      choice(alias(name, $.key), $.string, '*'),
      optional('?'),
      '<',
      $.payload_pattern,
      '>',
    ),
    // `~json`, `~image/png` (formats), `~Profile` (a schema), `~point^Ext<Validate>`: told
    // apart by the highlight queries, as the real checker does, by spelling.
    validator: $ => seq(
      token.immediate('~'),
      $.point,
      optional(seq('^', $.call_target)),
    ),

    // ---- 1.1.0 declarations ----
    requires: $ => seq(alias('Requires', $.keyword), '{', repeat($.requirement), '}'),
    requirement: $ => seq(alias(name, $.name), ':', $.kind_expression, ';'),
    kind_expression: $ => seq(
      alias(ident, $.identifier),
      optional(seq('<', choice($.kind_expression, $.kind_point), '>')),
    ),
    // `vendor:product:variant:1.0.0` inside a kind: always has a `:`, so never a kind name.
    kind_point: _ => /[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)+/,

    schema_declaration: $ => seq(alias('Schema', $.keyword), alias(ident, $.name), '=', $.string, ';'),

    port_declaration: $ => seq(
      alias('Port', $.keyword),
      alias(name, $.name),
      '{',
      repeat(choice($.port_field, $.grant, $.call)),
      '}',
    ),
    port_field: $ => choice(
      seq(alias(choice('request', 'response'), $.keyword), ':', $.payload_pattern, ';'),
      seq(alias('timeout', $.keyword), ':', $.timeout, repeat(seq(',', $.timeout)), ';'),
      seq(alias('envelope', $.keyword), ':', alias(choice('json', 'none'), $.keyword), ';'),
    ),
    timeout: $ => seq(alias(choice('exec', 'total'), $.keyword), $.quantity),
    quantity: _ => /[0-9]+[A-Za-z]+/,

    role_declaration: $ => seq(alias('Role', $.keyword), alias(name, $.name), '{', repeat($.grant), '}'),

    grant: $ => seq(
      alias('grant', $.keyword),
      choice(
        seq(alias('perm', $.keyword), $.permission_mask),
        seq(alias('priv', $.keyword), $.privilege),
        alias('super', $.keyword),
        seq(alias('role', $.keyword), alias(name, $.name)),
      ),
      optional(seq(alias('on', $.keyword), $.point_selector)),
      optional(seq(alias('to', $.keyword), $.point_selector)),
      ';',
    ),
    permission_mask: _ => /[+&][cCsSdD]{3}-[rRwWxX]{3}/,
    privilege: _ => /[A-Za-z0-9_:*\-]+/,
    point_selector: $ => seq($.point, optional(seq(token.immediate('<'), alias(ident, $.identifier), '>'))),

    call: $ => seq(
      alias('call', $.keyword),
      $.point_selector,
      '^',
      $.call_target,
      repeat(choice(
        seq(alias(choice('timeout', 'ack'), $.keyword), $.quantity),
        seq(alias('retries', $.keyword), $.integer),
      )),
      ';',
    ),

    limits: $ => seq(alias('limits', $.keyword), '{', repeat($.limit), '}'),
    limit: $ => seq(alias(choice('memory', 'payload', 'headers'), $.keyword), $.quantity, ';'),

    // ---- App documents (2022) ----
    app_document: $ => seq(alias('App', $.keyword), optional($.header_args), optional('->'), '{', repeat($.app_section), '}'),
    app_section: $ => choice(
      seq(alias('Set', $.keyword), '{', optional(seq($.app_property, repeat(seq(',', $.app_property)), optional(','))), '}'),
      seq(alias('Install', $.keyword), '{', repeat($.install_line), '}'),
    ),
    app_property: $ => choice(
      seq('+', optional('@'), $.app_key, '=', choice($.string, $.app_value)),
      seq('!', $.app_key),
    ),
    app_key: _ => /[A-Za-z_][A-Za-z0-9_]*([.\-][A-Za-z0-9_]+)*/,
    app_value: $ => seq(
      choice($.point_text, $.variable),
      repeat(choice(alias(token.immediate(/[^\s,}$]+/), $.point_text), alias(token.immediate(variable), $.variable))),
    ),
    install_line: $ => seq(repeat1(choice($.point, '<', '>', $.string, $.install_properties)), ';'),
    // `create localhost:app<Mechtron>{+config=app.conf}`: a command's property block.
    install_properties: $ => seq('{', optional(seq($.app_property, repeat(seq(',', $.app_property)), optional(','))), '}'),

    // ---- Router files (2021) ----
    router_document: $ => repeat1($.router_line),
    router_line: $ => seq(
      alias(choice(/[A-Z]+/, '*'), $.method),
      alias(/\/[^\s]*/, $.path_regex),
      '->',
      $.point,
      ';',
    ),

    // ---- atoms ----
    string: _ => token(choice(
      seq('"', repeat(choice(/[^"\\\n]/, /\\[^\n]/)), '"'),
      seq('\'', repeat(choice(/[^'\\\n]/, /\\[^\n]/)), '\''),
    )),
    integer: _ => /[0-9]+/,
  },
});

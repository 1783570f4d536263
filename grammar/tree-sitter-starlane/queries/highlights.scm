; Starlane .bind highlighting (capture names follow nvim-treesitter's conventions).
; Patterns are written to be mutually exclusive, so the result is the same whether an editor
; lets the first or the last matching pattern win.

(comment) @comment

(keyword) @keyword
((selector_name (identifier) @keyword)
  (#any-of? @keyword "Route" "Pipelines"))

; Message kinds, and everything else at a selector level is a method.
((selector_name (identifier) @type)
  (#any-of? @type "Http" "Ext" "Cmd" "Hyp" "Msg" "Rc" "Sys"))
((selector_name (identifier) @function.method)
  (#not-any-of? @function.method "Route" "Pipelines" "Http" "Ext" "Cmd" "Hyp" "Msg" "Rc" "Sys"))
(selector_name "*" @character.special)
(call_target . (identifier) @type)
(call_target (identifier) (identifier) @function.method)
(router_line (method) @function.method)

(path_regex) @string.regexp
(filter (identifier) @attribute)

; Stops
(core_stop ["(" ")" "*"] @punctuation.special)
(legacy_core_stop ["{{" "}}" "*"] @punctuation.special)
(port_stop ["(" ")"] @punctuation.special)
(port_stop (name) @function)
(reflect_stop) @operator
(step) @operator
(payload_step ["-" "=" "[" "]" "->" "=>"] @operator)
(err_stop (integer) @number)

; Payload patterns
(payload_kind) @type.builtin
(payload_pattern "*" @character.special)
(count) @number
(map_entry (key) @property)
(map_entry "*" @character.special)
((validator (point . (point_text) @type .))
  (#match? @type "^[A-Z]"))
((validator (point . (point_text) @constant.builtin .))
  (#match? @constant.builtin "^[a-z][a-z0-9]*(/[a-z0-9]+)?$"))

; Points and variables
(point_stop (point (point_text) @string.special.path))
(call_stop (point (point_text) @string.special.path))
(point_selector (point (point_text) @string.special.path))
(router_line (point (point_text) @string.special.path))
(install_line (point (point_text) @string.special.path))
(app_value (point_text) @string.special.path)
(validator (point (point_text) @string.special.path) (call_target))
(variable) @variable
(kind_point) @string.special.path

; Declarations
(requirement (name) @variable.parameter)
(schema_declaration (name) @type.definition)
(port_declaration (name) @function)
(role_declaration (name) @module)
(grant (name) @module)
(kind_expression (identifier) @type)
(permission_mask) @constant
(privilege) @constant
(quantity) @number
(version) @number

; App documents
(app_key) @property

(string) @string
(integer) @number

["{" "}" "(" ")" "<" ">" "[" "]"] @punctuation.bracket
[";" "," ":"] @punctuation.delimiter
["=" "^" "~" "-" "+" "!" "@" "?" "->"] @operator

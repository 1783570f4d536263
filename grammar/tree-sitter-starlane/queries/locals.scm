; Definitions and references (nvim-treesitter's locals conventions). A document is one scope:
; its `Requires` names, schemas, ports and roles are defined once and used anywhere in it.
; `${name}` variables are one token (`variable`), so they are not matched to their `Requires`
; entry here; the language server's references and rename cover them.

(source_file) @local.scope

(requirement (name) @local.definition.parameter)
(schema_declaration (name) @local.definition.type)
(port_declaration (name) @local.definition.function)
(role_declaration (name) @local.definition.namespace)

(port_stop (name) @local.reference)
(grant (name) @local.reference)

; Indentation (nvim-treesitter's conventions): braces open a level, the closing brace goes back.

[
  (block)
  (map_pattern)
  (requires)
  (port_declaration)
  (role_declaration)
  (limits)
  (app_section)
] @indent.begin

"}" @indent.end @indent.branch

(comment) @indent.auto

[
  (block)
  (map_pattern)
  (requires)
  (port_declaration)
  (role_declaration)
  (limits)
  (app_section)
] @fold

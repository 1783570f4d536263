; Path regexes are regular expressions; comments may hold TODO-style annotations.

((path_regex) @injection.content
  (#set! injection.language "regex"))

((comment) @injection.content
  (#set! injection.language "comment"))

; Text objects (nvim-treesitter-textobjects' conventions): a port or role is a class, a route
; (a selector with its pipeline or block) a function, a block's contents its inside.

(port_declaration) @class.outer
(role_declaration) @class.outer

(scope) @function.outer
(scope (pipeline) @function.inner)
(scope (block) @function.inner)

(block) @block.outer

(segment) @parameter.outer

(comment) @comment.outer

-- Drives Neovim's own LSP client against `starlane lsp` (tests/nvim_e2e.rs): configured the way
-- the README tells users to (`vim.lsp.config` + `vim.lsp.enable`), then open, hover, complete,
-- rename, format and edit, each result written as JSON for the Rust test to assert.
-- Usage: nvim --headless --clean -l drive.lua STARLANE FILE OUT
local starlane, file, out = arg[1], arg[2], arg[3]
local results = { steps = {} }
local function record(name, value) results[name] = value; table.insert(results.steps, name) end
local function finish()
  local f = assert(io.open(out, 'w'))
  f:write(vim.json.encode(results))
  f:close()
  vim.cmd('qa!')
end
local function fail(why) results.error = why; finish() end

vim.cmd('filetype on')
vim.filetype.add({ extension = { bind = 'bind', app = 'bind' } })
vim.lsp.config('starlane', {
  cmd = { starlane, 'lsp' },
  filetypes = { 'bind' },
  root_markers = { 'starlane.toml', '.git' },
})
vim.lsp.enable('starlane')

-- Count publishDiagnostics per version, wrapping Neovim's own handler.
local published = {}
local default = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
  table.insert(published, params)
  return default(err, params, ctx, config)
end

vim.cmd.edit(file)
local buf = vim.api.nvim_get_current_buf()
if not vim.wait(15000, function() return #vim.lsp.get_clients({ bufnr = buf }) > 0 end, 20) then
  return fail('the client never attached')
end
local client = vim.lsp.get_clients({ bufnr = buf })[1]
if not vim.wait(15000, function() return #published > 0 end, 20) then
  return fail('no diagnostics were published')
end
record('initial_diagnostics', vim.diagnostic.get(buf))
local uri = vim.uri_from_bufnr(buf)

local function find(pattern)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(pattern, 1, true)
    if col then return i - 1, col - 1 end
  end
  error('not in the buffer: ' .. pattern)
end
local function at(line, character)
  return { textDocument = { uri = uri }, position = { line = line, character = character } }
end
local function request(method, params)
  local r, err = client:request_sync(method, params, 10000, buf)
  if not r then return { error = err } end
  return r.result or { error = r.err }
end

local l, c = find('~Profile')
record('hover', request('textDocument/hover', at(l, c + 3)))
l, c = find('${hello}:**^')
record('completion', request('textDocument/completion', at(l, c + 2)))

l, c = find('Port save-profile')
local edit = request('textDocument/rename', vim.tbl_extend('force', at(l, c + 6), { newName = 'store-profile' }))
record('rename', edit)
if edit and edit.changes or (edit and edit.documentChanges) then
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
end

vim.lsp.buf.format({ bufnr = buf, timeout_ms = 10000 })
record('formatted', vim.api.nvim_buf_get_lines(buf, 0, -1, false))

-- A real edit through the client's own change tracking: a route to a port that does not exist.
local before = #published
l = find('Route<Ext<Save>>')
vim.api.nvim_buf_set_lines(buf, l + 1, l + 1, false, { '  Route<Ext<Load>> -> ((no-such-port)) => &;' })
if not vim.wait(15000, function()
  return #published > before and #vim.diagnostic.get(buf) > 0
end, 20) then
  return fail('no diagnostics after the edit')
end
record('edited_diagnostics', vim.diagnostic.get(buf))
finish()

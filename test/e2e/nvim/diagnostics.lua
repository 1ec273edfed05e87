-- Neovim 0.7 headless as an LSP client of `node dist/server.js --stdio` (0.7 has no vim.lsp.start:
-- start_client + buf_attach_client). Waits for PlanLens's diagnostic on the open file, checks it, exits
-- 0 on success and non-zero (cq) on failure. The harness sets PLANLENS_SERVER and PLANLENS_ROOT.
local function fail(message)
  io.stderr:write('FAIL ' .. message .. '\n')
  vim.cmd('cq')
end

local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'planlens',
  cmd = { 'node', os.getenv('PLANLENS_SERVER'), '--stdio' },
  root_dir = os.getenv('PLANLENS_ROOT'),
})
if not client_id then
  fail('the language server did not start')
end
vim.lsp.buf_attach_client(bufnr, client_id)

local found = vim.wait(20000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
if not found then
  fail('no diagnostics within 20 s')
end

local diagnostics = vim.diagnostic.get(bufnr)
if #diagnostics ~= 1 then
  fail('expected 1 diagnostic, got ' .. #diagnostics)
end
local d = diagnostics[1]
local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
-- vim.diagnostic positions are 0-based, like LSP's.
local got = string.format('%s %s %d:%d-%d:%d severity=%d', tostring(d.source), tostring(code), d.lnum, d.col,
  d.end_lnum, d.end_col, d.severity)
local want = 'planlens incomplete-index 38:12-41:15 severity=' .. vim.diagnostic.severity.WARN
if got ~= want then
  fail('got "' .. got .. '", want "' .. want .. '"')
end
io.stdout:write('diagnostic ' .. got .. '\n')
vim.lsp.stop_client(client_id)
vim.cmd('qa!')

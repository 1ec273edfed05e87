-- Neovim 0.7 headless as an LSP client of `node dist/server.js --stdio` (0.7 has no vim.lsp.start:
-- start_client + buf_attach_client). Waits for PlanLens's incomplete-index diagnostic on the open file, checks it, exits
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

local function code_of(diagnostic)
  return diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp and diagnostic.user_data.lsp.code)
end
local function incomplete_index()
  for _, candidate in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(candidate) == 'incomplete-index' then
      return candidate
    end
  end
end

vim.wait(20000, function()
  return incomplete_index() ~= nil
end, 50)
local d = incomplete_index()
if not d then
  fail('no incomplete-index diagnostic within 20 s (' .. #vim.diagnostic.get(bufnr) .. ' others)')
end
local code = code_of(d)
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

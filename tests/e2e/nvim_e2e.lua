-- Drives a real, headless Neovim with the documented config (editors/nvim/txasync.lua):
-- diagnostics appear, hover lists the callers, "Convert to async" is applied by Neovim,
-- and :wall runs source.fixAll.txasync from the config's BufWritePre autocmd.
-- Inputs (environment): TXASYNC_E2E_CONFIG, TXASYNC_E2E_ROOT, TXASYNC_E2E_RESULT.

local out = { steps = {} }

local function write_result()
  local f = assert(io.open(os.getenv('TXASYNC_E2E_RESULT'), 'w'))
  f:write(vim.fn.json_encode(out))
  f:close()
end

local function step(name)
  table.insert(out.steps, name)
end

local function buffer_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

local function count(text, needle)
  local n, start = 0, 1
  while true do
    local at = text:find(needle, start, true)
    if not at then
      return n
    end
    n, start = n + 1, at + #needle
  end
end

local function find_pos(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i, col - 1
    end
  end
  error('not found: ' .. needle)
end

local function clients_of(buf)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = buf, name = 'txasync' })
  end
  local found = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    if c.name == 'txasync' then
      table.insert(found, c)
    end
  end
  return found
end

local function request_sync(client, method, params, buf)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request_sync(method, params, 15000, buf)
  end
  return client.request_sync(method, params, 15000, buf)
end

local function run()
  local txasync = dofile(os.getenv('TXASYNC_E2E_CONFIG'))
  txasync.setup()
  local root = os.getenv('TXASYNC_E2E_ROOT')
  vim.cmd('edit ' .. root .. '/legacy_app/handlers.py')
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.bo[buf].filetype == 'python', 'filetype not detected')
  local client
  assert(vim.wait(30000, function()
    client = clients_of(buf)[1]
    return client ~= nil and client.initialized ~= false
  end, 50), 'txasync did not attach')
  out.offset_encoding = client.offset_encoding
  step('attached')

  assert(vim.wait(30000, function() return #vim.diagnostic.get(buf) > 10 end, 50),
    'no diagnostics')
  local diags = vim.diagnostic.get(buf)
  out.diagnostics = #diags
  out.sources, out.codes = {}, {}
  for _, d in ipairs(diags) do
    local lsp = d.user_data and d.user_data.lsp or {}
    out.sources[d.source or '?'] = true
    out.codes[tostring(d.code or lsp.code)] = true
  end
  step('diagnostics')

  local line, col = find_pos(buf, 'create_account(self')
  vim.api.nvim_win_set_cursor(0, { line, col + 2 })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local replies = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 15000) or {}
  out.hover = ''
  for _, reply in pairs(replies) do
    local contents = reply.result and reply.result.contents
    if type(contents) == 'table' then
      out.hover = out.hover .. (contents.value or '')
    end
  end
  step('hover')

  out.returnvalues_before = count(buffer_text(buf), 'returnValue(')
  if vim.fn.has('nvim-0.11') == 1 then
    -- The real user path: the code action menu, filtered to our title, applied.
    vim.lsp.buf.code_action({
      filter = function(action) return action.title == 'Convert to async' end,
      apply = true,
    })
  else
    -- 0.7 has no `apply`: do what its code_action does (with the diagnostics rebuilt,
    -- since 0.7 keeps neither range nor message in user_data.lsp).
    local context = { diagnostics = {} }
    for _, d in ipairs(vim.diagnostic.get(buf, { lnum = line - 1 })) do
      local lsp = d.user_data and d.user_data.lsp or {}
      table.insert(context.diagnostics, {
        range = { start = { line = d.lnum, character = d.col },
                  ['end'] = { line = d.end_lnum, character = d.end_col } },
        message = d.message, severity = d.severity, source = d.source,
        code = lsp.code or d.code, data = lsp.data,
      })
    end
    local range_params = vim.lsp.util.make_range_params()
    range_params.context = context
    local reply = request_sync(client, 'textDocument/codeAction', range_params, buf)
    local chosen
    for _, action in ipairs((reply and reply.result) or {}) do
      if action.title == 'Convert to async' then
        chosen = action
      end
    end
    assert(chosen, 'no Convert to async action')
    if not chosen.edit then
      chosen = request_sync(client, 'codeAction/resolve', chosen, buf).result
    end
    vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  end
  assert(vim.wait(30000, function()
    return buffer_text(buf):find('async def create_account', 1, true) ~= nil
  end, 50), 'the conversion was not applied')
  out.converted = buffer_text(buf):find('async def create_account', 1, true) ~= nil
  local other = vim.fn.bufnr(root .. '/legacy_app/tests/test_service.py')
  out.other_buffer_wrapped = other > 0 and
    buffer_text(other):find('ensureDeferred(self.handler.create_account', 1, true) ~= nil
  step('converted')

  out.returnvalues_buffer = count(buffer_text(buf), 'returnValue(')
  vim.cmd('silent wall')
  local f = assert(io.open(root .. '/legacy_app/handlers.py'))
  local saved = f:read('*a')
  f:close()
  out.returnvalues_saved = count(saved, 'returnValue(')
  out.saved_converted = saved:find('async def create_account', 1, true) ~= nil
  step('saved')
end

local ok, err = pcall(run)
out.ok = ok
if not ok then
  out.error = tostring(err)
end
write_result()
if ok then
  vim.cmd('qall!')
else
  vim.cmd('cquit 1')
end

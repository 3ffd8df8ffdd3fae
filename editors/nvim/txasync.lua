-- txasync language server for Neovim.
--
-- Neovim 0.11+: `vim.lsp.config` + `vim.lsp.enable` (the built-in way; no plugin needed).
-- Older Neovim (0.7 - 0.10): the same settings, started with `vim.lsp.start_client` on
-- FileType python. Put this file in your runtimepath (e.g. ~/.config/nvim/lua/txasync.lua)
-- and `require('txasync').setup()` from init.lua, or `:luafile` it.
--
-- Fix on save: a BufWritePre autocmd applies the `source.fixAll.txasync` code action (the
-- safe fixes only: returnValue -> return, ensureDeferred wraps) synchronously before the
-- buffer is written. Turn it off with `setup({ fix_on_save = false })`.

local M = {}

local defaults = {
  -- The server command; `txasync` must be on PATH (or give the full path of a venv's txasync).
  cmd = vim.g.txasync_cmd or { 'txasync', 'lsp' },
  root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', '.git' },
  -- Sent as initializationOptions and answered to workspace/configuration (section txasync).
  settings = {
    txasync = {
      codeLens = true,
      -- twistedVersion = '22.4',           -- the oldest Twisted your project supports
      -- severity = { TXA003 = 'warning' }, -- per code: error|warning|information|hint|off
    },
  },
  fix_on_save = true,
  timeout_ms = 3000,
}

local function find_root(bufnr, markers)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if vim.fs and vim.fs.find then
    local found = vim.fs.find(markers, { path = vim.fs.dirname(path), upward = true })[1]
    if found then
      return vim.fs.dirname(found)
    end
  end
  return vim.fn.fnamemodify(path, ':p:h')
end

local function get_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'txasync' })
  end
  local found = {}
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'txasync' then
      table.insert(found, client)
    end
  end
  return found
end

-- `client:request_sync` in 0.11, `client.request_sync` before it.
local function request_sync(client, method, params, timeout, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request_sync(method, params, timeout, bufnr)
  end
  return client.request_sync(method, params, timeout, bufnr)
end

--- Apply txasync's safe fixes to a buffer now (synchronously): what fix-on-save runs.
function M.fix_all(bufnr, timeout_ms)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  timeout_ms = timeout_ms or defaults.timeout_ms
  for _, client in ipairs(get_clients(bufnr)) do
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
      context = { only = { 'source.fixAll.txasync' }, diagnostics = {} },
    }
    local reply = request_sync(client, 'textDocument/codeAction', params, timeout_ms, bufnr)
    for _, action in ipairs((reply and reply.result) or {}) do
      if action.edit == nil and action.data ~= nil then
        local resolved = request_sync(client, 'codeAction/resolve', action, timeout_ms, bufnr)
        action = (resolved and resolved.result) or action
      end
      if action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or 'utf-16')
      end
    end
  end
end

function M.setup(opts)
  local cmd = opts and opts.cmd
  opts = vim.tbl_deep_extend('force', defaults, opts or {})
  opts.cmd = cmd or defaults.cmd -- a list: replace, never merge index by index
  local group = vim.api.nvim_create_augroup('txasync', { clear = true })

  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config('txasync', {
      cmd = opts.cmd,
      filetypes = { 'python' },
      root_markers = opts.root_markers,
      init_options = opts.settings,
      settings = opts.settings,
    })
    vim.lsp.enable('txasync')
  else
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = 'python',
      callback = function(args)
        local root = find_root(args.buf, opts.root_markers)
        M.client_ids = M.client_ids or {}
        local id = M.client_ids[root]
        if id == nil or vim.lsp.get_client_by_id(id) == nil then
          id = vim.lsp.start_client({
            name = 'txasync',
            cmd = opts.cmd,
            root_dir = root,
            workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
            init_options = opts.settings,
            settings = opts.settings,
          })
          M.client_ids[root] = id
        end
        if id then
          vim.lsp.buf_attach_client(args.buf, id)
        end
      end,
    })
  end

  if opts.fix_on_save then
    vim.api.nvim_create_autocmd('BufWritePre', {
      group = group,
      pattern = '*.py',
      callback = function(args)
        M.fix_all(args.buf, opts.timeout_ms)
      end,
    })
  end
  return M
end

return M

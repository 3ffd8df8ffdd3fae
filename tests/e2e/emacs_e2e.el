;;; emacs_e2e.el --- drive eglot + txasync in batch Emacs  -*- lexical-binding: t; -*-

;; Loads the documented config (editors/emacs/txasync.el) and checks: diagnostics reach
;; flymake, hover lists the callers, eglot applies "Convert to async", and saving runs
;; source.fixAll.txasync through `txasync-fix-on-save-mode'.
;; Inputs (environment): TXASYNC_E2E_CONFIG, TXASYNC_E2E_ROOT, TXASYNC_E2E_RESULT.

(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'cl-lib)
(require 'json)
(require 'eglot)
(require 'flymake)
(load (getenv "TXASYNC_E2E_CONFIG") nil t)

(setq eglot-confirm-server-initiated-edits nil
      eglot-sync-connect t
      python-indent-guess-indent-offset nil)

(defvar txasync-e2e--result nil)

(defun txasync-e2e--put (key value)
  (push (cons key value) txasync-e2e--result))

(defun txasync-e2e--pump ()
  "Process output and fire idle timers (they never fire in batch; eglot needs them)."
  (accept-process-output nil 0.05)
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (cancel-timer timer)
      (ignore-errors (timer-event-handler timer)))))

(defun txasync-e2e--wait (predicate seconds what)
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (txasync-e2e--pump))
    (unless value (error "Timed out waiting for %s" what))
    value))

(defun txasync-e2e--diagnostics ()
  (flymake-start)
  (txasync-e2e--pump)
  (flymake-diagnostics))

(defun txasync-e2e--count (needle)
  (save-excursion
    (goto-char (point-min))
    (let ((n 0)) (while (search-forward needle nil t) (cl-incf n)) n)))

(defun txasync-e2e--run ()
  (let* ((root (getenv "TXASYNC_E2E_ROOT"))
         (file (expand-file-name "legacy_app/handlers.py" root)))
    (add-hook 'python-mode-hook #'eglot-ensure)
    (add-hook 'python-mode-hook #'txasync-fix-on-save-mode)
    (find-file file)
    (run-hooks 'post-command-hook)
    (txasync-e2e--wait #'eglot-current-server 60 "eglot to connect")
    (txasync-e2e--put 'attached t)
    (let ((diags (txasync-e2e--wait
                  (lambda () (let ((d (txasync-e2e--diagnostics))) (and (> (length d) 10) d)))
                  60 "diagnostics")))
      (txasync-e2e--put 'diagnostics (length diags))
      (txasync-e2e--put 'messages (mapcar #'flymake-diagnostic-text (last diags 3))))
    ;; Hover on the name of an inlineCallbacks function.
    (goto-char (point-min))
    (search-forward "def create_account")
    (backward-char 3)
    (let* ((server (eglot-current-server))
           (hover (jsonrpc-request server :textDocument/hover
                                   (eglot--TextDocumentPositionParams)))
           (contents (plist-get hover :contents)))
      (txasync-e2e--put 'hover (if (stringp contents) contents
                                 (or (plist-get contents :value) ""))))
    ;; Convert to async, applied by eglot (it asks before editing files that are not
    ;; visited: the user says yes).
    (txasync-e2e--put 'returnvalues_before (txasync-e2e--count "returnValue("))
    (let* ((server (eglot-current-server))
           (actions (eglot-code-actions (point) (point) "quickfix"))
           (convert (cl-find "Convert to async" actions
                             :key (lambda (a) (plist-get a :title)) :test #'equal)))
      (unless convert (error "No Convert to async action in %S"
                             (mapcar (lambda (a) (plist-get a :title)) actions)))
      (cl-letf (((symbol-function 'y-or-n-p) (lambda (&rest _) t)))
        (txasync--eglot-apply server convert)))
    (txasync-e2e--put 'converted (> (txasync-e2e--count "async def create_account") 0))
    (let ((other (find-buffer-visiting
                  (expand-file-name "legacy_app/tests/test_service.py" root))))
      (txasync-e2e--put 'other_buffer_wrapped
                        (and other (with-current-buffer other
                                     (> (txasync-e2e--count
                                         "ensureDeferred(self.handler.create_account") 0)))))
    (txasync-e2e--put 'returnvalues_buffer (txasync-e2e--count "returnValue("))
    ;; Save everything: the handlers buffer runs source.fixAll.txasync before it is written.
    (txasync-e2e--pump)
    (save-some-buffers t)
    (with-temp-buffer
      (insert-file-contents file)
      (txasync-e2e--put 'returnvalues_saved (txasync-e2e--count "returnValue("))
      (txasync-e2e--put 'saved_converted (> (txasync-e2e--count "async def create_account")
                                           0)))))

(let ((ok t))
  (condition-case err
      (txasync-e2e--run)
    (error (setq ok nil)
           (txasync-e2e--put 'error (error-message-string err))))
  (txasync-e2e--put 'ok (if ok t :json-false))
  (with-temp-file (getenv "TXASYNC_E2E_RESULT")
    (insert (json-encode txasync-e2e--result)))
  (ignore-errors (eglot-shutdown (eglot-current-server)))
  (kill-emacs (if ok 0 1)))

;;; emacs_e2e.el ends here

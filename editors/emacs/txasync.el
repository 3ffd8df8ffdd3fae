;;; txasync.el --- txasync language server for Emacs (eglot and lsp-mode)  -*- lexical-binding: t; -*-

;; Load this file from your init (`(load "/path/to/editors/emacs/txasync.el")`), then:
;;   eglot:    M-x eglot in a Python buffer (or `(add-hook 'python-mode-hook #'eglot-ensure)`).
;;   lsp-mode: txasync registers as an add-on server, next to pyright/pylsp.
;; Fix on save: `(add-hook 'python-mode-hook #'txasync-fix-on-save-mode)` applies the
;; `source.fixAll.txasync` code action (safe fixes only) before each save.
;; Settings go to the server as initializationOptions (`txasync-initialization-options`) and,
;; for eglot, through `eglot-workspace-configuration` (section :txasync) per project.

;;; Code:

(require 'cl-lib)

(defgroup txasync nil
  "Move Twisted code from inlineCallbacks to async/await."
  :group 'tools)

(defcustom txasync-command '("txasync" "lsp")
  "Command that runs the txasync language server."
  :type '(repeat string))

(defcustom txasync-initialization-options '(:codeLens t)
  "Settings sent as initializationOptions (keys as in the LSP section `txasync')."
  :type 'plist)

(defconst txasync-fix-all-kind "source.fixAll.txasync")

;;;; eglot

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               ;; A list of modes: eglot 1.9 (Emacs 28) needs it; newer versions accept it.
               `((python-mode python-ts-mode)
                 . (,@txasync-command :initializationOptions
                                      ,(lambda (_server) txasync-initialization-options)))))

(declare-function eglot-current-server "eglot")
(declare-function eglot-code-actions "eglot")
(declare-function eglot--apply-workspace-edit "eglot")
(declare-function lsp-execute-code-action-by-kind "lsp-mode")

(defun txasync--eglot-apply (server action)
  "Apply code ACTION from SERVER the way eglot does when a user picks it."
  (if (fboundp 'eglot-execute)          ; eglot >= 1.15 (resolves lazy edits itself)
      (eglot-execute server action)
    (let ((edit (plist-get action :edit)))
      (when edit (eglot--apply-workspace-edit edit)))))

(defun txasync-fix-all ()
  "Apply txasync's safe fixes (returnValue -> return, ensureDeferred wraps) to this buffer."
  (interactive)
  (cond
   ((and (fboundp 'eglot-current-server) (eglot-current-server))
    (let ((server (eglot-current-server)))
      (dolist (action (eglot-code-actions (point-min) (point-max) txasync-fix-all-kind))
        (txasync--eglot-apply server action))))
   ((and (bound-and-true-p lsp-mode) (fboundp 'lsp-execute-code-action-by-kind))
    (condition-case nil
        (lsp-execute-code-action-by-kind txasync-fix-all-kind)
      (error nil)))))

;;;###autoload
(define-minor-mode txasync-fix-on-save-mode
  "Apply txasync's safe fixes before saving the buffer."
  :lighter nil
  (if txasync-fix-on-save-mode
      (add-hook 'before-save-hook #'txasync-fix-all nil t)
    (remove-hook 'before-save-hook #'txasync-fix-all t)))

;;;; lsp-mode

(with-eval-after-load 'lsp-mode
  (when (fboundp 'lsp-register-client)
    (lsp-register-client
     (make-lsp-client
      :new-connection (lsp-stdio-connection (lambda () txasync-command))
      :activation-fn (lsp-activate-on "python")
      :add-on? t                        ; runs alongside your Python server
      :server-id 'txasync
      :initialization-options (lambda () txasync-initialization-options)))))

(provide 'txasync)
;;; txasync.el ends here

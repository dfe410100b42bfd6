"""The web app (`custody serve`): pages that show and submit; the ledger decides.

`web.library` is the one module here that calls the ledger; `web.permissions` is the one
table of who may open what; `web.pages` has one module per group of pages.
"""

"""Barcoded labels for media: render, write as PNG or PDF sheets, and decode them back.

Importing `labels` imports no PIL, python-barcode or pyzbar: the scan path of the CLI
stays light unless it reads images. Import the submodule you need:

- `labels.content`: `LabelContent`, `make_label_content`, `encryption_marker` (no PIL)
- `labels.templates`: the table of templates (no PIL)
- `labels.render`: `render_label` -> a verified `RenderedLabel`
- `labels.sheets`: `write_labels` -> PNG(s) or a true-size PDF
- `labels.decode`: `decode_media_ids`, `decode_file`
- `labels.code_sheet`: `write_code_sheet` for a scan station's command barcodes
"""

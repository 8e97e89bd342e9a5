"""Receipts: document model -> layout (58/80 mm) -> ESC/POS bytes or PNG; signing; devices; spool.

The package imports no Kivy. Importing a submodule that uses python-escpos first points its
capabilities cache at a fixed folder (see printer.escpos_output), so no temp dir leaks per start.
"""

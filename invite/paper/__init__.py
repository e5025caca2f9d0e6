"""Paper adapters: fonts, drawing letters/programme/form with reportlab, reading returned forms."""

"""Spreadsheet adapters: reading contact lists, writing the RSVP status workbook."""

"""Mail adapters: SMTP and IMAP connections, reading incoming mail, delivering outgoing mail."""

//! Sending composed replies through the SMTP server.

//! Replies in the customer's thread: composing them (pure) and sending them (SMTP).

pub mod compose;
pub mod eta;
pub mod layout;
pub mod send;

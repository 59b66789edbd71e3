//! Replies in the customer's thread: composing them (pure) and sending them (SMTP).

pub mod compose;
pub mod layout;
pub mod eta;
pub mod send;

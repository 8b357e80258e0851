//! API tests: the real server over real HTTP, on SQLite or PostgreSQL.

mod helpers;

mod accounts;
mod cli;
mod operations;
mod roles;

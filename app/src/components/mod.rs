pub mod balance;
pub mod chart;
pub mod filter_bar;

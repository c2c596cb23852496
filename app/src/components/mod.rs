pub mod balance;
pub mod chart;

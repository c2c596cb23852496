pub mod balance;
pub mod chart;
pub mod data_table;
pub mod usage_charts;
pub mod filter_bar;

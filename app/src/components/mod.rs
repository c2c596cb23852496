pub mod balance;
pub mod chart;
pub mod data_table;
pub mod filter_bar;
pub mod link_select;
pub mod settings_forms;
#[cfg(feature = "ssr")]
pub mod usage_charts;

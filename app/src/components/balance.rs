//! The balance card: remaining credits split into included / purchased / promotional, the
//! billing period, and the included-credit progress.

use crate::model::BalanceCard;
use leptos::prelude::*;

#[component]
pub fn BalanceCardView(card: BalanceCard) -> impl IntoView {
    let percent = card.included_used_percent();
    let bar = percent.clamp(0, 100);
    let level = match percent {
        p if p >= 100 => "progress danger",
        p if p >= 80 => "progress warn",
        _ => "progress",
    };
    let included_left = card.included_granted.saturating_sub(card.included_used);
    view! {
        <section class="card balance" aria-labelledby="balance-title">
            <h2 id="balance-title">"Credits remaining · " {card.pool_name.clone()}</h2>
            <p class="big" data-testid="remaining">
                {card.remaining.display()}
            </p>
            <dl class="split">
                <div>
                    <dt>"Included"</dt>
                    <dd data-testid="included">{card.included_remaining.display()}</dd>
                </div>
                <div>
                    <dt>"Purchased"</dt>
                    <dd data-testid="purchased">{card.purchased_remaining.display()}</dd>
                </div>
                <div>
                    <dt>"Promotional"</dt>
                    <dd data-testid="promotional">{card.promotional_remaining.display()}</dd>
                </div>
                <div>
                    <dt>"Background allowance"</dt>
                    <dd data-testid="allowance">{card.allowance_remaining.display()}</dd>
                </div>
                {(card.adjusted_remaining.0 != 0)
                    .then(|| {
                        view! {
                            <div>
                                <dt>"Adjustments"</dt>
                                <dd data-testid="adjusted">{card.adjusted_remaining.display()}</dd>
                            </div>
                        }
                    })}
            </dl>
            <p class="muted">
                "Billing period " {card.period_start.format("%b %-d").to_string()} " – "
                {card.period_end.format("%b %-d, %Y").to_string()} " · "
                <span data-testid="days-left">{card.days_left}</span> " days left · Auto-recharge "
                {if card.auto_recharge_enabled { "on" } else { "not enabled" }}
            </p>
        </section>
        <section class="card" aria-labelledby="included-title">
            <h2 id="included-title">"Included credits this period"</h2>
            <div
                class=level
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=bar
            >
                <span style=format!("width: {bar}%")></span>
            </div>
            <dl class="split">
                <div>
                    <dt>"Used"</dt>
                    <dd data-testid="included-used">{card.included_used.display()}</dd>
                </div>
                <div>
                    <dt>"Remaining"</dt>
                    <dd data-testid="included-remaining">{included_left.display()}</dd>
                </div>
                <div>
                    <dt>"Used %"</dt>
                    <dd data-testid="included-percent">{percent} "%"</dd>
                </div>
            </dl>
        </section>
    }
}

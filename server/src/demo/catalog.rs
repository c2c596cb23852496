//! What the two demo organizations look like: sources, people and usage. Plain data; their
//! pools, taxonomy and teams are catalog documents (`server/demo/*.toml`).

/// How an event template picks its source.
#[derive(Clone, Copy, Debug)]
pub enum SourcePick {
    None,
    Agent(&'static [&'static str]),
    Flow,
    Pilot,
    Tool,
    Session,
}

/// One kind of usage the generator produces.
pub struct Template {
    pub feature: &'static str,
    pub source: SourcePick,
    /// Relative frequency.
    pub weight: u32,
    /// Milli-credits per unit, inclusive range.
    pub milli_per_unit: (i64, i64),
    /// Units per event (messages, minutes…), inclusive range.
    pub quantity: (i64, i64),
    pub tokens: bool,
    /// Whether a member (or, for agencies, an end user) is attributed.
    pub attributed: bool,
}

/// Password of the demo's role accounts (owner@, billing@, admin@, member@acme.test, owner@globex.test).
pub const DEMO_PASSWORD: &str = "demo-password";

pub const AGENTS: &[(&str, &str)] = &crate::services::overview::AGENTS;

/// (key, name, type, status, [(action key, action name)]).
pub type Flow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

pub const FLOWS: &[Flow] = &[
    (
        "lead_nurture",
        "Lead nurture",
        "smart",
        "active",
        &[
            ("generate_email", "Generate email"),
            ("classify_intent", "Classify intent"),
        ],
    ),
    (
        "renewal_outreach",
        "Renewal outreach",
        "smart",
        "active",
        &[
            ("generate_email", "Generate email"),
            ("summarize_account", "Summarize account"),
        ],
    ),
    (
        "inbound_triage",
        "Inbound triage",
        "execution",
        "paused",
        &[
            ("classify_intent", "Classify intent"),
            ("route_lead", "Route lead"),
        ],
    ),
    (
        "webinar_follow_up",
        "Webinar follow-up",
        "execution",
        "active",
        &[
            ("summarize_reply", "Summarize reply"),
            ("enrich_lead", "Enrich lead"),
        ],
    ),
];

pub const PILOTS: &[(&str, &str)] = &[
    ("sdr_pilot", "SDR pilot"),
    ("support_pilot", "Support pilot"),
];
pub const TOOLS: &[(&str, &str)] = &[
    ("account_brief", "Account brief"),
    ("meeting_prep", "Meeting prep"),
];
pub const SESSIONS: &[(&str, &str)] = &[("browser", "Browser session")];

pub const TEMPLATES: &[Template] = &[
    Template {
        feature: "personalized_email",
        source: SourcePick::None,
        weight: 30,
        milli_per_unit: (1_000, 1_000),
        quantity: (1, 1),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "personalized_email",
        source: SourcePick::Flow,
        weight: 10,
        milli_per_unit: (1_000, 1_000),
        quantity: (1, 1),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "reply_suggestion",
        source: SourcePick::None,
        weight: 14,
        milli_per_unit: (500, 500),
        quantity: (1, 1),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "ai_rewrite",
        source: SourcePick::None,
        weight: 6,
        milli_per_unit: (250, 250),
        quantity: (1, 3),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "research_agent_search",
        source: SourcePick::None,
        weight: 9,
        milli_per_unit: (4_000, 6_000),
        quantity: (1, 1),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "account_research",
        source: SourcePick::Pilot,
        weight: 3,
        milli_per_unit: (8_000, 8_000),
        quantity: (1, 1),
        tokens: true,
        attributed: false,
    },
    Template {
        feature: "chat_reply",
        source: SourcePick::Agent(&["chat"]),
        weight: 8,
        milli_per_unit: (200, 200),
        quantity: (1, 6),
        tokens: true,
        attributed: false,
    },
    Template {
        feature: "chat_reply",
        source: SourcePick::Agent(&["auto_trigger"]),
        weight: 3,
        milli_per_unit: (200, 200),
        quantity: (1, 4),
        tokens: true,
        attributed: false,
    },
    Template {
        feature: "voice_call",
        source: SourcePick::Agent(&["voice_inbound", "voice_outbound", "voice_web"]),
        weight: 4,
        milli_per_unit: (1_500, 1_500),
        quantity: (1, 12),
        tokens: false,
        attributed: false,
    },
    Template {
        feature: "assistant_answer",
        source: SourcePick::Agent(&["assistant"]),
        weight: 5,
        milli_per_unit: (100, 150),
        quantity: (1, 2),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "flow_action",
        source: SourcePick::Flow,
        weight: 10,
        milli_per_unit: (500, 2_000),
        quantity: (1, 1),
        tokens: true,
        attributed: false,
    },
    Template {
        feature: "pilot_task",
        source: SourcePick::Pilot,
        weight: 3,
        milli_per_unit: (2_000, 2_000),
        quantity: (1, 1),
        tokens: true,
        attributed: false,
    },
    Template {
        feature: "copilot_prompt",
        source: SourcePick::None,
        weight: 6,
        milli_per_unit: (300, 300),
        quantity: (1, 1),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "ai_tool_run",
        source: SourcePick::Tool,
        weight: 3,
        milli_per_unit: (3_000, 3_000),
        quantity: (1, 1),
        tokens: true,
        attributed: true,
    },
    Template {
        feature: "browser_session",
        source: SourcePick::Session,
        weight: 1,
        milli_per_unit: (4_000, 4_000),
        quantity: (1, 1),
        tokens: false,
        attributed: true,
    },
    Template {
        feature: "inbox_preview_render",
        source: SourcePick::None,
        weight: 4,
        milli_per_unit: (1_000, 1_000),
        quantity: (1, 1),
        tokens: false,
        attributed: true,
    },
];

pub const FIRST_NAMES: &[&str] = &[
    "Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
    "Wen", "Xavier", "Yara", "Zane",
];
pub const LAST_NAMES: &[&str] = &[
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Khan", "Lopez", "Moreau", "Novak", "Okafor", "Patel",
];

/// One demo organization.
pub struct OrgDef {
    pub slug: &'static str,
    pub name: &'static str,
    pub time_zone: &'static str,
    pub anchor_day: u32,
    pub is_agency: bool,
    /// The catalog document (TOML), applied like `server catalog apply`.
    pub catalog: &'static str,
    /// Members besides the fixed role accounts.
    pub extra_members: usize,
    /// Role accounts: (email, name, role).
    pub role_accounts: &'static [(&'static str, &'static str, &'static str)],
    pub companies: &'static [(&'static str, &'static str)],
    pub end_users: usize,
    pub auto_recharge: bool,
    /// Share of all generated events, in percent.
    pub event_share: u64,
    pub domain: &'static str,
}

pub const ORGS: &[OrgDef] = &[
    OrgDef {
        slug: "acme",
        name: "Acme Outreach",
        time_zone: "America/New_York",
        anchor_day: 1,
        is_agency: false,
        catalog: include_str!("../../demo/acme.toml"),
        extra_members: 36,
        role_accounts: &[
            ("owner@acme.test", "Olivia Owner", "owner"),
            ("billing@acme.test", "Bill Ing", "billing_admin"),
            ("admin@acme.test", "Ada Admin", "admin"),
            ("member@acme.test", "Max Member", "member"),
        ],
        companies: &[],
        end_users: 12,
        auto_recharge: false,
        event_share: 80,
        domain: "acme.test",
    },
    OrgDef {
        slug: "globex",
        name: "Globex Agency",
        time_zone: "Europe/Berlin",
        anchor_day: 15,
        is_agency: true,
        catalog: include_str!("../../demo/globex.toml"),
        extra_members: 8,
        role_accounts: &[("owner@globex.test", "Gus Owner", "owner")],
        companies: &[
            ("initech", "Initech"),
            ("umbrella", "Umbrella Corp"),
            ("hooli", "Hooli"),
            ("vandelay", "Vandelay Industries"),
        ],
        end_users: 20,
        auto_recharge: true,
        event_share: 20,
        domain: "globex.test",
    },
];

"""What the simulated company is made of: its channels, campaigns, pages, people and reasons.

Plain data only. The simulator (``accord.demo.simulator``) draws from these tables; keeping
them apart keeps the generation code about behaviour, and lets anyone retune the demo (a
channel's share of leads, its visit-to-lead rate, a campaign's cost per click) in one place.
The rates follow REFERENCE.md ("Typical B2B stage rates").

Length: over 500 lines of tables and no logic; splitting it would scatter what one retunes
together.
"""

from __future__ import annotations

from typing import NamedTuple

SITE = "https://www.accord-demo.example"


class DemoChannel(NamedTuple):
    slug: str  # a slug of accord.tracking.channels.GA4_DEFAULT_CHANNELS
    visit_to_lead: float  # share of visits that become a lead (B2B: 1-5%)
    quality: float  # how likely its leads qualify, relative to the average
    awareness: float  # weight as an early (anonymous) touch in a journey
    utm_source: str
    utm_medium: str
    referrer: str
    # (touch type, path) pairs a visit from this channel lands on.
    landings: tuple[tuple[str, str], ...]


class DemoSource(NamedTuple):
    """Where a lead comes from: a channel, and a campaign for paid and email channels."""

    channel: str
    lead_share: float
    utm_campaign: str = ""  # blank: no campaign (organic, direct, referral)
    name: str = ""
    cost_per_click: float = 0.0
    click_through: float = 0.0  # clicks / impressions
    frequency: float = 0.0  # impressions / reach
    utm_content: str = ""
    utm_term: str = ""
    cost_per_lead: float = 0.0  # affiliates are paid per lead, not per click
    # When a campaign's UTM source/medium differ from its channel's usual ones.
    utm_source: str = ""
    utm_medium: str = ""


CHANNELS: tuple[DemoChannel, ...] = (
    DemoChannel(
        "paid-search",
        0.030,
        1.30,
        1.0,
        "google",
        "cpc",
        "https://www.google.com/",
        (
            ("ad_click", "/pricing"),
            ("ad_click", "/demo"),
            ("ad_click", "/features/lead-routing"),
            ("page_view", "/pricing"),
        ),
    ),
    DemoChannel(
        "paid-social",
        0.012,
        0.85,
        1.6,
        "linkedin",
        "paid-social",
        "https://www.linkedin.com/",
        (
            ("ad_click", "/guides/revenue-team-playbook"),
            ("ad_click", "/webinars/smarketing-sla"),
            ("page_view", "/customers"),
        ),
    ),
    DemoChannel(
        "display",
        0.010,
        0.60,
        1.4,
        "google",
        "display",
        "",
        (("ad_click", "/"), ("page_view", "/features/attribution")),
    ),
    DemoChannel(
        "paid-video",
        0.011,
        0.70,
        1.0,
        "youtube",
        "cpv",
        "https://www.youtube.com/",
        (("ad_click", "/product-tour"), ("page_view", "/")),
    ),
    DemoChannel(
        "affiliates",
        0.025,
        0.90,
        0.6,
        "partnerstack",
        "affiliate",
        "https://partners.example/",
        (("page_view", "/partners/offer"), ("page_view", "/pricing")),
    ),
    DemoChannel(
        "email",
        0.045,
        1.10,
        0.8,
        "newsletter",
        "email",
        "",
        (
            ("email_open", ""),
            ("email_click", "/webinars/smarketing-sla"),
            ("email_click", "/blog/lead-scoring-guide"),
        ),
    ),
    DemoChannel(
        "organic-search",
        0.022,
        1.05,
        1.8,
        "",
        "",
        "https://www.google.com/",
        (
            ("page_view", "/blog/what-is-an-mql"),
            ("page_view", "/blog/lead-scoring-guide"),
            ("page_view", "/features/lead-routing"),
            ("page_view", "/"),
        ),
    ),
    DemoChannel(
        "organic-social",
        0.014,
        0.80,
        1.2,
        "",
        "",
        "https://www.linkedin.com/",
        (
            ("page_view", "/blog/marketing-sales-alignment"),
            ("page_view", "/webinars/smarketing-sla"),
        ),
    ),
    DemoChannel(
        "direct",
        0.040,
        1.20,
        0.7,
        "",
        "",
        "",
        (("page_view", "/"), ("page_view", "/pricing"), ("page_view", "/customers")),
    ),
    DemoChannel(
        "referral",
        0.030,
        1.15,
        0.6,
        "",
        "",
        "https://www.g2.com/",
        (("page_view", "/"), ("page_view", "/integrations")),
    ),
)

SOURCES: tuple[DemoSource, ...] = (
    DemoSource(
        "paid-search",
        0.08,
        "brand-search",
        "Brand search",
        2.10,
        0.090,
        1.3,
        "text-ad-a",
        "accord crm",
    ),
    DemoSource(
        "paid-search",
        0.10,
        "lead-routing-search",
        "Lead routing (generic search)",
        6.50,
        0.035,
        1.4,
        "text-ad-b",
        "lead routing software",
    ),
    DemoSource(
        "paid-search",
        0.04,
        "competitor-conquest",
        "Competitor conquest",
        9.00,
        0.025,
        1.5,
        "text-ad-c",
        "hubspot alternative",
    ),
    DemoSource(
        "paid-social",
        0.07,
        "linkedin-abm",
        "LinkedIn ABM: revenue leaders",
        8.00,
        0.006,
        2.8,
        "carousel-playbook",
    ),
    DemoSource(
        "paid-social",
        0.05,
        "facebook-retargeting",
        "Facebook retargeting",
        1.60,
        0.012,
        3.2,
        "video-15s",
        utm_source="facebook",
        utm_medium="cpc",
    ),
    DemoSource(
        "display",
        0.05,
        "display-retargeting",
        "Display retargeting",
        0.90,
        0.004,
        4.0,
        "banner-300x250",
    ),
    DemoSource(
        "paid-video",
        0.04,
        "youtube-explainer",
        "YouTube explainer",
        0.80,
        0.008,
        2.2,
        "explainer-60s",
    ),
    DemoSource(
        "affiliates",
        0.05,
        "partner-program",
        "Partner program",
        0.0,
        0.0,
        0.0,
        "partner-banner",
        cost_per_lead=60.0,
    ),
    DemoSource("email", 0.04, "newsletter-monthly", "Monthly newsletter"),
    DemoSource(
        "email",
        0.05,
        "nurture-sequence",
        "Nurture sequence",
        utm_source="accord",
        utm_content="nurture-3",
    ),
    DemoSource("organic-search", 0.20),
    DemoSource("organic-social", 0.06),
    DemoSource("direct", 0.10),
    DemoSource("referral", 0.07),
)

# Organic click-through from impressions (search console / social feeds); 0: none counted.
ORGANIC_CLICK_THROUGH = {"organic-search": 0.032, "organic-social": 0.011, "email": 0.028}

# The touch that turns a visitor into a lead: (offer, touch type, path, weight).
OFFERS: tuple[tuple[str, str, str, float], ...] = (
    ("demo request", "demo_request", "/demo", 0.07),
    ("contact form", "form_submission", "/contact", 0.20),
    ("free trial", "trial_signup", "/signup", 0.05),
    ("playbook download", "content_download", "/guides/revenue-team-playbook", 0.43),
    ("webinar registration", "webinar", "/webinars/smarketing-sla", 0.25),
)
# Converting touches the default scoring profile fast-tracks to MQL at once.
FAST_TRACK_OFFERS = frozenset({"demo_request", "trial_signup"})
# How much more (or less) likely a lead from each offer goes on to buy.
OFFER_INTENT = {
    "demo_request": 2.2,
    "trial_signup": 1.8,
    "form_submission": 1.2,
    "content_download": 0.7,
    "webinar": 0.8,
}

# Touches after conversion: (channel slug, touch type, path, uses nurture campaign, weight).
FOLLOW_UPS: tuple[tuple[str, str, str, bool, float], ...] = (
    ("email", "email_open", "", True, 0.30),
    ("email", "email_click", "/blog/lead-scoring-guide", True, 0.12),
    ("email", "webinar", "/webinars/pipeline-review", True, 0.05),
    ("direct", "page_view", "/pricing", False, 0.18),
    ("direct", "page_view", "/customers", False, 0.08),
    ("direct", "page_view", "/security", False, 0.05),
    ("direct", "chat", "/pricing", False, 0.04),
    ("organic-search", "page_view", "/docs/integrations", False, 0.10),
    ("direct", "content_download", "/guides/roi-calculator", False, 0.05),
    ("referral", "event", "/events/revops-summit", False, 0.03),
)

# Target rates between consecutive funnel stages (REFERENCE.md; the numbers).
STAGE_RATES: dict[tuple[str, str], float] = {
    ("lead", "mql"): 0.22,
    ("mql", "sal"): 0.60,
    ("sal", "sql"): 0.55,
    ("sql", "opportunity"): 0.60,
    ("opportunity", "customer"): 0.25,
}

# Why leads leave the path, by the stage they leave from: (reason, goes to recycled?).
MARKETING_REJECTIONS = ("student/competitor", "duplicate", "spam submission", "wrong persona")
# Sales rejects an MQL or SAL with one of the seeded agreement's reasons (codes of
# ``accord.handoff.defaults``; the first three put the lead out, the others back in nurture).
AGREEMENT_REJECTIONS: dict[str, tuple[str, ...]] = {
    "mql": (
        "bad_timing", "no_budget", "bad_timing", "not_a_fit", "student_or_competitor",
        "duplicate", "bad_contact_data",
    ),
    "sal": ("no_budget", "bad_timing", "not_a_fit", "bad_contact_data"),
}  # fmt: skip
DISQUALIFYING_REJECTIONS = frozenset({"not_a_fit", "duplicate", "student_or_competitor"})
SALES_REJECTIONS: dict[str, tuple[tuple[str, bool], ...]] = {
    "sql": (
        ("no budget", True),
        ("timing: budget cycle next year", True),
        ("no decision-maker access", False),
        ("went with in-house tool", False),
    ),
}
LOST_REASONS: tuple[tuple[str, float], ...] = (
    ("price", 0.22),
    ("competitor", 0.28),
    ("no_budget", 0.14),
    ("no_decision", 0.22),
    ("timing", 0.08),
    ("features", 0.06),
)
WON_REASONS = (
    "shared funnel for both teams",
    "fast time to value",
    "better price",
    "SLA tracking",
    "attribution reporting",
    "strong reference customer",
)
PROMOTION_CODES = ("SPRING26", "ANNUAL20", "PARTNER15", "Q4CLOSE")
PLANS = ("Team plan", "Business plan", "Enterprise plan")

INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Financial services",
    "Healthcare",
    "Logistics",
    "Retail",
    "Education",
    "Professional services",
    "Telecommunications",
    "Energy",
    "Real estate",
    "Media",
)
# (ISO country, weight, phone prefix, local digits)
COUNTRIES: tuple[tuple[str, float, str, int], ...] = (
    ("US", 0.42, "+1415", 7),
    ("GB", 0.12, "+4420", 8),
    ("DE", 0.10, "+4930", 8),
    ("CA", 0.06, "+1416", 7),
    ("FR", 0.06, "+331", 8),
    ("NL", 0.05, "+3120", 7),
    ("AU", 0.05, "+612", 8),
    ("SE", 0.04, "+468", 7),
    ("ES", 0.05, "+3491", 7),
    ("PL", 0.05, "+4822", 7),
)
COMPANY_WORDS = (
    "Northwind",
    "Bluepeak",
    "Ironbridge",
    "Silverline",
    "Redwood",
    "Brightwave",
    "Cobalt",
    "Evergreen",
    "Granite",
    "Harbor",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Oakridge",
    "Pioneer",
    "Quantum",
    "Riverbend",
    "Summit",
    "Tidewater",
    "Upland",
    "Vertex",
    "Westfield",
    "Zenith",
    "Amber",
    "Beacon",
    "Crescent",
    "Driftwood",
    "Falcon",
)
COMPANY_KINDS = (
    "Logistics",
    "Analytics",
    "Systems",
    "Health",
    "Capital",
    "Foods",
    "Labs",
    "Partners",
    "Software",
    "Energy",
    "Retail",
    "Robotics",
    "Media",
    "Consulting",
    "Networks",
    "Supply",
)
FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "James",
    "Sophia",
    "Lucas",
    "Mia",
    "Ethan",
    "Anna",
    "Maxim",
    "Elena",
    "Dmitry",
    "Chloe",
    "Daniel",
    "Grace",
    "Samuel",
    "Laura",
    "Felix",
    "Hannah",
    "Jonas",
    "Sofia",
    "Mateo",
    "Julia",
    "Oscar",
    "Alice",
    "Leo",
    "Nora",
    "Adam",
    "Priya",
    "Arjun",
    "Yuki",
    "Kenji",
    "Fatima",
    "Omar",
    "Ingrid",
    "Lars",
    "Marta",
    "Pablo",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Martin",
    "Anderson",
    "Thomas",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Muller",
    "Schmidt",
    "Ivanova",
    "Petrov",
    "Dubois",
    "Laurent",
    "Jansen",
    "Visser",
    "Nowak",
    "Garcia",
    "Lopez",
    "Andersson",
    "Nilsson",
    "Kowalski",
    "Rossi",
    "Patel",
    "Sato",
    "Kim",
    "Chen",
    "Okafor",
)
# (job title, fit weight: how well the persona matches the product, share)
JOB_TITLES: tuple[tuple[str, float, float], ...] = (
    ("Head of Marketing", 1.3, 0.05),
    ("VP Sales", 1.4, 0.04),
    ("CMO", 1.3, 0.02),
    ("Marketing Operations Manager", 1.5, 0.05),
    ("RevOps Lead", 1.6, 0.04),
    ("Sales Director", 1.2, 0.04),
    ("Growth Marketer", 1.0, 0.16),
    ("Founder", 1.1, 0.05),
    ("Demand Generation Manager", 1.3, 0.05),
    ("Account Executive", 0.7, 0.18),
    ("Student", 0.2, 0.10),
    ("Consultant", 0.5, 0.12),
    ("Marketing Coordinator", 0.8, 0.10),
)
BUDGET_RANGES = ("under $10k", "$10k-50k", "$50k-200k", "over $200k")
USE_CASES = ("lead routing", "marketing attribution", "sales inbox and SLAs", "pipeline analytics")


def size_band(employees: int) -> str:
    for limit, band in ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000")):
        if employees <= limit:
            return band
    return "1000+"

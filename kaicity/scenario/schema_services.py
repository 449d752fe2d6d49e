"""Scenario sections of service delivery: ``facilities``, ``online_services``, ``ai_services``,
``support_centres`` and ``learning``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from kaicity.scenario.fields import HOURS_ALLOWED, HourPair, KeyProblem, Section, keyed_map, num_text
from kaicity.scenario.fields import doc_field as _f

CapacityPerHour = keyed_map("CapacityPerHour", "category",
                            {"healthcare": 8.0, "education": 30.0, "welfare": 10.0, "daily": 60.0,
                             "culture": 100.0}, float,
                            "Persons served per hour per facility (0 closes the category: its needs divert to "
                            "other channels or are forgone).", ge=0, le=100_000)
ServiceMin = keyed_map("ServiceMin", "category",
                       {"healthcare": 20.0, "education": 60.0, "welfare": 20.0, "daily": 15.0, "culture": 60.0},
                       float, "Service duration per visit.", gt=0, le=1440)
OpeningHours = keyed_map("OpeningHours", "category",
                         {"healthcare": [9, 18], "education": [8, 18], "welfare": [9, 18], "daily": [7, 23],
                          "culture": [6, 22]}, HourPair, "[open, close) hours per category.",
                         allowed=HOURS_ALLOWED)


class FacilitiesSection(Section):
    """Physical service facilities: capacity, service time, opening hours, queueing."""

    capacity_per_hour: CapacityPerHour = _f(  # type: ignore[valid-type]
        factory=CapacityPerHour, unit="persons/h",
        description="Persons served per hour by one facility; 0 closes the category (needs divert or are forgone)",
        source="assumption", range=(0.5, 2.0), range_kind="multiplier")
    service_min: ServiceMin = _f(  # type: ignore[valid-type]
        factory=ServiceMin, unit="min", description="Time a visit takes once served",
        source="assumption", range=(0.5, 2.0), range_kind="multiplier")
    opening_hours: OpeningHours = _f(  # type: ignore[valid-type]
        factory=OpeningHours, unit="h", setting=True,
        description="[open, close) hours of facilities: a lever of the city (public offices keep "
                    "09:00-18:00 office hours)",
        allowed=HOURS_ALLOWED)
    max_queue_min: float = _f(60.0, ge=0, le=1440, unit="min", range=(15, 120),
                              description="A resident who arrives to a longer queue (or is not served "
                                          "before closing) goes home and tries again needs.retry_min later, "
                                          "until the need expires (reason 'queue_full')")


_RESOLUTION = {"healthcare": 0.7, "education": 0.9, "welfare": 0.8, "daily": 0.9, "culture": 0.9}
Resolution = keyed_map("Resolution", "category", _RESOLUTION, float,
                       "Probability that a remote session resolves a need the channel accepts.", ge=0, le=1)
_ACCEPTANCE = {"child": 0.9, "adult": 0.9, "elderly": 0.7}
Acceptance = keyed_map("Acceptance", "category", {
    cat: keyed_map(f"Acceptance{cat.capitalize()}", "group",
                   {**_ACCEPTANCE, "elderly": 0.6} if cat == "healthcare" else _ACCEPTANCE, float,
                   f"Share of each group willing to use a remote channel for {cat}.", ge=0, le=1)
    for cat in _RESOLUTION
}, None, "Share of each group willing to use a remote channel, by category and group.")


class RemoteChannelSection(Section):
    """Rules every remote channel shares (AI and online): the same fields, the same defaults.

    The AI channel differs from e-government only through the explicit fields of its own
    section (shares, literacy required, wait), never through these.
    """

    resolution: Resolution = _f(  # type: ignore[valid-type]
        factory=Resolution, unit="probability",
        description="Probability that a session resolves a need the channel accepts; on failure the need "
                    "escalates (assisted service at a centre or a facility visit) with the session's time "
                    "counted in its time to service",
        source="assumption (same for AI and online; remote care often ends in an in-person referral)",
        range=(0.7, 1.15), range_kind="multiplier")
    service_hours: HourPair = _f(factory=lambda: [0, 24], unit="h", setting=True,
                                 description="[open, close) hours in which sessions start (a need outside "
                                             "them waits for the opening or takes another channel); a "
                                             "design choice (default: around the clock)",
                                 allowed=HOURS_ALLOWED)
    outage_rate: float = _f(0.005, ge=0, le=1, unit="share of hours",
                            description="Share of whole hours the channel is down (drawn per hour from its own "
                                        "random stream); a session in a down hour fails and escalates",
                            source="assumption (99.5% availability)", range=(0.0, 0.05))
    acceptance: Acceptance = _f(  # type: ignore[valid-type]
        factory=Acceptance, unit="share",
        description="Share of each group willing to use the channel for a category (a personal draw, once "
                    "per resident and category; separate from ability)",
        source="assumption (same for AI and online; elderly less willing, most for healthcare)",
        range=(0.5, 1.1), range_kind="multiplier")
    ability_slope: float = _f(12.0, gt=0, le=1000, unit="1/literacy",
                              description="Spread of personal ability thresholds: a resident manages the channel "
                                          "alone when literacy > required + logit(u)/slope, u drawn once per "
                                          "resident (share able = 1/(1+exp(-slope*(L-required))))",
                              source="assumption", range=(4.0, 40.0))


OnlineShare = keyed_map("OnlineShare", "category",
                        {"healthcare": 0.0, "education": 0.1, "welfare": 0.3, "daily": 0.1, "culture": 0.0},
                        float, "Share of needs resolvable online.", ge=0, le=1)
ONLINE_SHARE_RANGE = {"healthcare": (0.0, 0.01), "education": (0.05, 0.3), "welfare": (0.15, 0.6),
                      "daily": (0.05, 0.3), "culture": (0.0, 0.1)}


class OnlineServicesSection(RemoteChannelSection):
    """Smart-city e-government / online channel (present in both smart and AI cities)."""

    enabled: bool = _f(True, setting=True, description="Whether the online channel exists")
    share: OnlineShare = _f(  # type: ignore[valid-type]
        factory=OnlineShare, unit="share", description="Share of needs of each category resolvable online",
        source="assumption (healthcare: Korea's telemedicine is not an e-government service)",
        range=ONLINE_SHARE_RANGE)
    literacy_required: float = _f(0.65, ge=0, le=1, unit="literacy index",
                                  description="Literacy at which half of residents can use online services "
                                              "alone (personal thresholds spread by ability_slope)",
                                  source="assumption (above the elderly competency ~0.55, NIA 2024)",
                                  range=(0.55, 0.75))
    wait_min: float = _f(5.0, ge=0, le=1440, unit="min", description="Time to resolve a need online",
                         source="assumption", range=(2.0, 30.0))


#: AI shares: healthcare on the cited remote share (telemedicine 0.2-0.3% of outpatient visits, MOHW 2025):
#: 0.005 taken on, of which resolution 0.7 x acceptance x ability leave ~0.2-0.3% resolved remotely;
#: the other categories equal the online channel's (no source shows AI reaching more needs than
#: e-government).  The optimistic ends are the earlier defaults (healthcare 0.35, education 0.5, ...).
AiShare = keyed_map("AiShare", "category",
                    {"healthcare": 0.005, "education": 0.1, "welfare": 0.3, "daily": 0.1, "culture": 0.0},
                    float, "Share of needs an AI remote service can resolve.", ge=0, le=1)
AI_SHARE_RANGE = {"healthcare": (0.002, 0.35), "education": (0.05, 0.5), "welfare": (0.15, 0.6),
                  "daily": (0.05, 0.3), "culture": (0.0, 0.1)}
AiWait = keyed_map("AiWait", "category",
                   {"healthcare": 10.0, "education": 5.0, "welfare": 5.0, "daily": 5.0, "culture": 5.0},
                   float, "Minutes to resolve a need with the AI service.", ge=0, le=1440)


class AiServicesSection(RemoteChannelSection):
    """K-AI City AI remote services (AI medical consultation, AI education, AI welfare assistant).

    What sets it apart from the online channel is explicit: its per-category ``share``, its
    ``literacy_required`` (by default e-government's; lower it to model an easier voice interface)
    and its ``wait_min``.
    """

    enabled: bool = _f(False, setting=True, description="Whether AI remote services exist (AI city)")
    share: AiShare = _f(  # type: ignore[valid-type]
        factory=AiShare, unit="share",
        description="Share of needs of each category an AI service can take on (then resolved with "
                    "probability `resolution`)",
        source="healthcare: MOHW 2025 (telemedicine 0.2-0.3% of outpatient visits; 0.005 taken on -> "
               "~0.25% resolved after resolution, acceptance and ability); other categories: assumption, "
               "equal to the online channel's share",
        range=AI_SHARE_RANGE)
    literacy_required: float = _f(0.65, ge=0, le=1, unit="literacy index",
                                  description="Literacy at which half of residents can use the AI service "
                                              "alone: by default the online channel's 0.65; the low end of "
                                              "the range is an easier voice / natural-language interface",
                                  source="assumption (equal to e-government's: no source shows voice AI "
                                         "needs less skill)",
                                  range=(0.45, 0.65))
    wait_min: AiWait = _f(  # type: ignore[valid-type]
        factory=AiWait, unit="min", description="Time to resolve a need with the AI service",
        source="assumption", range=(0.5, 3.0), range_kind="multiplier")
    energy_wh_per_use: float = _f(3.0, ge=0, le=10_000, unit="Wh/use",
                                  description="Compute energy per AI session (a session ~ several "
                                              "queries; failed sessions count too)",
                                  source="0.3-3 Wh per GPT-4-class query (published estimates)")


TrainingRate = keyed_map("TrainingRate", "group", {"child": 0.0, "adult": 0.000026, "elderly": 0.00012}, float,
                         "Training courses started per person per day.", ge=0, le=1)

#: Support centres per 100,000 people: MSIT 디지털배움터, ~1,000 sites for ~51.7 M people (2020-2023).
CENTRES_PER_100K = 1000 / 51.7e6 * 1e5


class SupportCentresSection(Section):
    """AI support centres (디지털배움터-like): assisted AI service and digital training.

    Their number is given absolutely (``count``) or per population (``per_100k_residents``,
    of real people: ``population.residents * population.scale``), never both; see
    :meth:`centres_for`.  An override of either sets the other to null (``ALTERNATIVES``).
    """

    ALTERNATIVES: ClassVar[tuple[tuple[str, ...], ...]] = (("count", "per_100k_residents"),)

    count: int | None = _f(None, setting=True, ge=0, le=10_000, unit="centres",
                           description="Number of support centres, absolute (null with per_100k_residents "
                                       "null = none); give count or per_100k_residents, not both")
    per_100k_residents: float | None = _f(
        None, setting=True, ge=0, le=1000, unit="centres per 100,000 people",
        description="Centres per 100,000 real people (residents x scale), rounded to the nearest whole centre, "
                    "at least one when > 0; null = use count")
    placement: Literal["central", "uniform", "by_elderly"] = _f(
        "by_elderly", setting=True, description="Where centres are placed")
    staff: int = _f(4, ge=1, le=1000, unit="sessions",
                    description="Concurrent sessions (assisted or training) per centre",
                    source="디지털배움터: 2 instructors + 2 supporters per site (MSIT; asiatoday 2023-04-18)",
                    range=(2, 4))
    session_min: float = _f(30.0, gt=0, le=1440, unit="min",
                            description="Length of a session (assisted service or one training lesson)",
                            source="assumption (one-to-one help with a task or a lesson)", range=(15, 60))
    opening_hours: HourPair = _f(factory=lambda: [9, 18], unit="h", setting=True,
                                 description="[open, close) hours of the centres",
                                 source="assumption (hours of the 행정복지센터 and libraries that host them)",
                                 allowed=HOURS_ALLOWED)
    literacy_gain: float = _f(0.31, ge=0, le=1, unit="fraction of the gap",
                              description="Literacy gain per training session, diminishing: "
                                          "L += gain * (1 - L)",
                              source="calibrated (benchmarks/calibrate_learning.py) to the NIA elderly "
                                     "index's pace, +1.4 points a year 2019-2024; see docs/validation.md",
                              range=(0.1, 0.45))
    assisted_literacy_gain: float = _f(
        0.0, ge=0, le=1, unit="fraction of the gap",
        description="Literacy gain of an assisted service session (staff help with one task): "
                    "L += gain * (1 - L)",
        source="assumption (help with a task teaches little; 0 keeps the NIA calibration on training "
               "alone, whatever the AI channel's shares)", range=(0.0, 0.08))
    training_rate_per_day: TrainingRate = _f(  # type: ignore[valid-type]
        factory=TrainingRate, unit="courses/person/day",
        description="Training courses started per person per day, by group (Poisson)",
        source="closed form from MSIT 디지털배움터: 1.1-1.9% of residents trained a year (mid 1.49%), "
               "58-66% aged 60+ (mid 62%) -> adult 2.6e-5, elderly 1.2e-4 at 68% adults, 20% elderly "
               "(benchmarks/calibrate_learning.py)")
    course_sessions: int = _f(4, ge=1, le=100, unit="sessions",
                              description="Sessions of one training course (one visit each)",
                              source="assumption (short courses with monthly intakes, e.g. Daegu 2022)",
                              range=(1, 8))
    course_interval_days: int = _f(7, ge=1, le=365, unit="days",
                                   description="Days between the sessions of a course",
                                   source="assumption (weekly lessons)", range=(1, 14))

    @model_validator(mode="after")
    def _check_sizing(self) -> SupportCentresSection:
        if self.count is not None and self.per_100k_residents is not None:
            raise KeyProblem("per_100k_residents",
                             f"both count ({self.count}) and per_100k_residents "
                             f"({num_text(self.per_100k_residents)}) are given; set one of them to null")
        return self

    def centres_for(self, people: float) -> int:
        """Number of centres for ``people`` real residents (``residents * scale``).

        ``count`` when given; else ``round(per_100k_residents * people / 100,000)``, at least 1
        when ``per_100k_residents > 0``; else 0.  The number depends on real people only, so
        the same town simulated at another agent scale gets the same centres.
        """
        if self.count is not None:
            return int(self.count)
        rate = float(self.per_100k_residents or 0.0)
        if rate <= 0.0:
            return 0
        return max(1, round(rate * float(people) / 1e5))


class LearningSection(Section):
    """How digital literacy changes over time."""

    decay_per_day: float = _f(0.002, ge=0, le=1, unit="1/day",
                              description="Literacy gained above the initial value decays toward it by this "
                                          "fraction per day in which the resident uses no remote service "
                                          "(0.002: half of an unused gain is lost in about a year)",
                              source="assumption (no Korean measure of skill loss after training; the "
                                     "training gain is calibrated with it, see docs/validation.md)",
                              range=(0.0, 0.003))



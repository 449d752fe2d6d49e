"""Scenario section ``costs``: the prices of everything both cities run, in Korean won (2024-25 prices).

Each price is multiplied by a count of real units the run reports beside it (server-hours,
vehicle-hours and -km, staff-hours, centre-days, sessions, resident-days, kWh); the formulas are
in :mod:`kaicity.metrics.cost` and ``docs/costs.md``.  Every price carries a source or is marked
an assumption with a plausible range (the ranges feed sensitivity sweeps).
"""

from __future__ import annotations

from kaicity.scenario.fields import Section, keyed_map
from kaicity.scenario.fields import doc_field as _f

#: 2025 minimum wage (최저임금위원회 고시): the floor of every staff wage below.
MIN_WAGE = 10_030.0
_BUS_SRC = ("Seoul 표준운송원가 ~0.6-0.7 M KRW per bus-day (2010: 0.60 M, drivers 0.29 M; 준공영제 cities "
            "0.57-0.68 M in 2018; Daejeon 2019: drivers 64% of cost), split into labour and holding per "
            "vehicle-hour and fuel, tyres and parts per vehicle-km over ~16 h and ~200 km a day (assumption)")

FacilityWage = keyed_map(
    "FacilityWage", "category",
    {"healthcare": 60_000.0, "education": 35_000.0, "welfare": 30_000.0, "daily": 13_000.0, "culture": 13_000.0},
    float, "Staff cost per staff-hour at a facility of the category (pay with employer charges).",
    ge=0, le=10_000_000)
StaffPerServer = keyed_map(
    "StaffPerServer", "category",
    {"healthcare": 1.0, "education": 0.05, "welfare": 1.0, "daily": 0.2, "culture": 0.02},
    float, "Staff per server (one unit of concurrent capacity): 1 where each person served holds a clerk or "
           "clinician, less where a teacher, shop assistant or park keeper serves many at once.",
    ge=0, le=100)
SignoffMin = keyed_map(
    "SignoffMin", "category",
    {"healthcare": 2.0, "education": 0.0, "welfare": 0.0, "daily": 0.0, "culture": 0.0},
    float, "Clinician minutes to review one AI session of the category (0: no sign-off needed).", ge=0, le=600)


class CostsSection(Section):
    """Operating-cost prices in Korean won; each multiplies a count of real units of the run."""

    # ---- facilities (both cities) --------------------------------------------------------
    facility_wage_per_hour: FacilityWage = _f(  # type: ignore[valid-type]
        factory=FacilityWage, unit="KRW/staff-hour",
        description="Staff cost per staff-hour at facilities, by category, paid for every opening hour whether "
                    "busy or not",
        source=f"assumption: daily and culture ~ the 2025 minimum wage {MIN_WAGE:,.0f} KRW/h + ~30% employer "
               "charges; welfare a civil servant, education a teacher, healthcare a clinician",
        range=(0.7, 1.5), range_kind="multiplier")
    facility_staff_per_server: StaffPerServer = _f(  # type: ignore[valid-type]
        factory=StaffPerServer, unit="staff/server",
        description="Staff per server of a facility; a server is one unit of concurrent capacity "
                    "(round(facilities.capacity_per_hour x service_min / 60), as the queues simulate it)",
        source="assumption: a clerk or clinician per server for welfare and healthcare; a teacher per 20 "
               "places, a shop assistant per 5, a park or hall keeper per 50",
        range=(0.5, 2.0), range_kind="multiplier")
    facility_overhead_share: float = _f(
        0.3, ge=0, le=5, unit="share of staff cost",
        description="Rent, utilities and administration of facilities as a share of their staff cost",
        source="assumption", range=(0.1, 0.6))
    # ---- fixed-route buses (both cities) -------------------------------------------------
    bus_per_hour: float = _f(35_000.0, ge=0, unit="KRW/vehicle-hour",
                             description="Bus cost per vehicle-hour in service (driver, holding, overhead)",
                             source=_BUS_SRC, range=(25_000, 50_000))
    bus_per_km: float = _f(700.0, ge=0, unit="KRW/vehicle-km",
                           description="Bus cost per vehicle-km (fuel, tyres, parts)", source=_BUS_SRC,
                           range=(400, 1_200))
    # ---- DRT (AI city) -------------------------------------------------------------------
    drt_per_hour: float = _f(35_000.0, ge=0, unit="KRW/vehicle-hour",
                             description="DRT cost per vehicle-hour of service with its driver (driver ~2x the "
                                         "minimum wage with charges, van holding, overhead)",
                             source="assumption", range=(25_000, 50_000))
    drt_per_km: float = _f(800.0, ge=0, unit="KRW/vehicle-km", description="DRT cost per vehicle-km",
                           source="assumption (fuel, tyres, parts of an 11-seat van)", range=(300, 1_200))
    drt_platform_per_vehicle_day: float = _f(
        30_000.0, ge=0, unit="KRW/vehicle-day",
        description="DRT platform fee (dispatch software, app, call centre) per vehicle and day",
        source="assumption", range=(10_000, 80_000))
    # ---- AI support centres (AI city) ----------------------------------------------------
    staff_per_hour: float = _f(20_000.0, ge=0, unit="KRW/staff-hour",
                               description="Support-centre staff cost per staff-hour (every staff member, every "
                                           "opening hour)",
                               source=f"assumption: instructor pay ~2x the 2025 minimum wage {MIN_WAGE:,.0f} "
                                      "KRW/h with charges", range=(12_500, 35_000))
    centre_rent_per_day: float = _f(80_000.0, ge=0, unit="KRW/centre-day",
                                    description="Rent, utilities and devices of one support centre per day",
                                    source="assumption (~2.4 M KRW a month for a small urban room)",
                                    range=(30_000, 250_000))
    # ---- online e-government (both cities) -----------------------------------------------
    online_per_use: float = _f(200.0, ge=0, unit="KRW/session",
                               description="Online service cost per session (back office, identity check, "
                                           "messages); failed sessions count",
                               source="assumption", range=(50, 2_000))
    online_platform_per_resident_day: float = _f(
        30.0, ge=0, unit="KRW/resident-day",
        description="Running the e-government platform, per real resident and day (when online services exist)",
        source="assumption (~11,000 KRW a resident a year)", range=(10, 150))
    # ---- AI services (AI city) -----------------------------------------------------------
    ai_per_use: float = _f(50.0, ge=0, unit="KRW/session",
                           description="AI service cost per session besides energy (inference, operations); "
                                       "failed and assisted sessions count",
                           source="assumption", range=(10, 500))
    ai_platform_per_resident_day: float = _f(
        30.0, ge=0, unit="KRW/resident-day",
        description="AI platform, model licence and maintenance, per real resident and day (when AI services "
                    "exist)",
        source="assumption", range=(5, 150))
    ai_signoff_min: SignoffMin = _f(  # type: ignore[valid-type]
        factory=SignoffMin, unit="min/session",
        description="Clinician minutes to sign off one AI session, by category (healthcare advice needs a "
                    "clinician's review)",
        source="assumption", range=(0.0, 5.0), range_kind="multiplier")
    clinician_per_hour: float = _f(100_000.0, ge=0, unit="KRW/h",
                                   description="Cost of a clinician's hour for AI sign-off",
                                   source="assumption (physician pay with charges)", range=(50_000, 200_000))
    data_centre_pue: float = _f(1.58, ge=1, le=5, unit="ratio",
                                description="Data-centre power usage effectiveness: facility kWh per IT kWh "
                                            "of AI compute",
                                source="Uptime Institute Global Data Center Survey 2023 (average 1.58)",
                                range=(1.1, 2.0))
    electricity_per_kwh: float = _f(150.0, ge=0, unit="KRW/kWh", description="Electricity price of AI compute",
                                    source="assumption (Korean industrial tariff order of magnitude)",
                                    range=(100, 250))
    grid_kg_co2e_per_kwh: float = _f(0.4594, ge=0, le=2, unit="kg CO2e/kWh",
                                     description="Carbon intensity of grid electricity (AI compute carbon = "
                                                 "IT kWh x PUE x this)",
                                     source="Korea's national grid emission factor 0.4594 tCO2e/MWh "
                                            "(온실가스종합정보센터); later factors 0.43-0.48",
                                     range=(0.40, 0.50))

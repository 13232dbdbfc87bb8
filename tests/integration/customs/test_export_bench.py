"""`cbec bench export` (#7): the 9610 parcel benchmark runs end to end on a small number of parcels and reports
every parcel's documents by the status customs left them in, whatever the simulator answers."""

from __future__ import annotations

from bench.export import BAG_SIZE, ROLES, run


def test_the_export_bench_reports_throughput_and_every_document_by_status():
    parcels = BAG_SIZE + 2  # two bags
    figures = {metric: (value, unit) for metric, value, unit in run(parcels)}

    assert figures["parcels"] == (parcels, "parcels") and figures["bags"] == (2, "bags")
    for role, _ in ROLES:
        assert sum(v for m, (v, _) in figures.items() if m.startswith(f"{role}_status_")) == parcels, role
    for role in ("bag", "arrival", "departure"):
        assert sum(v for m, (v, _) in figures.items() if m.startswith(f"{role}_status_")) == 2, role
    assert figures["throughput_end_to_end"][1] == "parcels/s" and figures["throughput_end_to_end"][0] > 0

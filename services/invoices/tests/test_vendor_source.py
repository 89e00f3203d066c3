"""Every function that reads vendor configurations can, under its generated IAM policy (the
Scan of VendorConfig was denied by the policies infra rendered: issue 8)."""

import pytest

from infra.workspace import workspace

READERS = sorted(n for n, f in workspace().functions.items() if "vendor_config" in f.tables)


@pytest.mark.parametrize("function", READERS)
def test_vendor_configurations_are_readable_by_every_declared_reader(run_as, function):
    from paypulse_invoices.vendor_source import vendors

    rental = run_as(function, vendors("rental"))
    retail = run_as(function, vendors("retail"))
    assert rental and retail
    assert all(v["invoice_category"] == "rental" and v["active"] for v in rental)

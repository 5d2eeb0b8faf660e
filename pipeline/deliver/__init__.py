"""Deliver: the accountants' library, downloads and exports, booking proposals.

* ``library``  — what an accountant (or client, or the centre) may list, with who validated it;
* ``download`` — one UBL, a ZIP per period (UBLs + summary.csv + bookings.csv), each recorded
  as a ``Delivery`` so nothing is handed over twice by accident;
* ``export``   — a folder per office/client/period for an accounting package to pick up;
* ``booking``  — ledger account and VAT code proposals learnt from the office's bookings.

Everything here takes a session opened at the boundary and never commits, except where a
function says so; the caller's unit of work commits.
"""

"""Peppol BIS Billing 3.0 UBL: build (build.py), read (parse.py), validate (validate.py).

The official rules are vendored, versioned, under ``rules/`` (see rules.py).
"""

"""One module per resource; each route calls ``pipeline.api`` (or its sales/payments doors) with the caller's Principal."""

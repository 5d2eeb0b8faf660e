"""Intake: what arrived (sniffing), e-mails split into attachments, XML inside PDFs.

One module per job: :mod:`.sniff` (content → DocumentKind), :mod:`.email` (.eml →
attachments + metadata), :mod:`.embedded` (Factur-X/ZUGFeRD/UBL inside a PDF).
"""

from __future__ import annotations

from pipeline.intake.email import Attachment, SplitEmail, split_email
from pipeline.intake.embedded import find_embedded_xml
from pipeline.intake.sniff import parse_xml, sniff, xml_syntax

__all__ = ["Attachment", "SplitEmail", "find_embedded_xml", "parse_xml", "sniff", "split_email", "xml_syntax"]
